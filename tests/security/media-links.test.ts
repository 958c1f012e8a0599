// A stranger's media message names its own download: `url`, `directPath` (and the size and
// length it claims) are written by the sender's client and never checked by WhatsApp. Here
// such messages reach a running BabyBot (real Temporal, real SQLite, Baileys' own protobufs
// on the fake socket) whose downloader is the product's: Baileys' downloadContentFromMessage
// and its media decryption. The test's "WhatsApp media host" is a local server, named as the
// allowed origin through the channel's deps (the rule itself is the product's); the
// attacker's servers (http and https, one slow) must never be asked for anything, a
// redirect off the media host is not followed, a slow media host is given up on after
// MEDIA_DOWNLOAD_TIMEOUT while other chats' messages pass, and the group reads BabyBot's own
// short reason, never an error text with hosts or addresses.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_FAILED, NOT_WHATSAPP_MEDIA } from '../../channel/whatsapp/media-download.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { photo } from '../media/support.js';
import { linkedInstallation } from '../whatsapp/support/adapter.js';
import { FakeWhatsApp, message } from '../whatsapp/support/fake-whatsapp.js';
import { FakeMediaServer } from '../whatsapp/support/media-server.js';

const FAMILY = '120363000000000021@g.us';
const OTHER = '120363000000000022@g.us';
const EVE = '447700900666@s.whatsapp.net';
const BOB = '447700900777@s.whatsapp.net';

/** A server of the attacker's: it records every request and answers with something worth stealing. */
class AttackerServer {
  readonly requests: string[] = [];
  private server!: http.Server;
  origin = '';

  async start(tls?: { key: Buffer; cert: Buffer }): Promise<this> {
    const handler: http.RequestListener = (req, res) => {
      this.requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('internal secret');
    };
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `${tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const out = { key: fs.readFileSync(`${dir}/key.pem`), cert: fs.readFileSync(`${dir}/cert.pem`) };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

describe('media links a stranger writes', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const whatsapp = new FakeWhatsApp();
  const media = new FakeMediaServer();
  const attackerHttp = new AttackerServer();
  const attackerHttps = new AttackerServer();
  let jpeg: Buffer;
  let slowEnded = false;

  beforeAll(async () => {
    jpeg = await photo(64, 48);
    await media.start();
    await attackerHttp.start();
    await attackerHttps.start(selfSignedCert());
    // WhatsApp's media host, as the test's server: a redirect to the attacker, a slow answer, a failure.
    media.route('/v/redirect.enc', (_req, res) => res.writeHead(302, { location: `${attackerHttp.origin}/stolen` }).end());
    media.route('/v/slow.enc', (req, res) => {
      res.writeHead(200, { 'content-length': 1_000_000 });
      const timer = setInterval(() => res.write(Buffer.alloc(16)), 200);
      req.on('close', () => ((slowEnded = true), clearInterval(timer)));
    });
    media.route('/v/broken.enc', (_req, res) => res.writeHead(500).end('upstream 10.0.0.7:8443 refused: token=abc'));
    ollama = await new OllamaStub().start();
    bot = await startTestBot({
      ollama,
      dir: linkedInstallation('babybot-media-links-'),
      workflowBundle: await bundleWorkflows(),
      env: { WHATSAPP_ENABLED: 'auto', MEDIA_DOWNLOAD_TIMEOUT: '2s' },
      whatsapp: { socketFactory: whatsapp.factory, backoff: { baseMs: 300, maxMs: 1000 }, mediaOrigins: [media.origin] },
    });
    (await whatsapp.socketCount(1)).open();
    bot.store.addGroup({ folder: 'family', jid: FAMILY, name: 'Family', triggerWord: null, requiresTrigger: false, isMain: false });
    bot.store.addGroup({ folder: 'other', jid: OTHER, name: 'Other', triggerWord: null, requiresTrigger: false, isMain: false });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
    await media.close();
    await attackerHttp.close();
    await attackerHttps.close();
  });

  const photoFrom = (id: string, fields: Record<string, unknown>, chat = FAMILY, sender = EVE) =>
    message({ remoteJid: chat, id, participant: sender }, { imageMessage: { mimetype: 'image/jpeg', ...fields } }, { pushName: 'Eve' });

  const stored = (chat: string, id: string, timeoutMs = 20_000) =>
    eventually(() => bot.store.getMessage(chat, id), { timeoutMs, what: `message ${id} stored` });

  /** What the group's model read, as the scripted model echoes it back on WhatsApp. */
  const replyTo = (id: string) =>
    eventually(() => whatsapp.allSent.find((sent) => sent.text.includes(id)), { timeoutMs: 30_000, what: `the reply quoting ${id}` });

  it("never fetches the sender's url when it is not WhatsApp's media host (http, https, other schemes); the group reads a fixed reason", async () => {
    const uploaded = await media.upload(jpeg, 'image');
    const { mediaKey } = uploaded;
    const links = {
      EVILHTTP: { url: `${attackerHttp.origin}/steal?x=1`, mediaKey },
      EVILHTTPS: { url: `${attackerHttps.origin}/steal`, mediaKey },
      EVILMETA: { url: 'http://169.254.169.254/latest/meta-data/', mediaKey },
      EVILFILE: { url: 'file:///etc/passwd', mediaKey },
      EVILPATH: { url: `${attackerHttp.origin}/x`, directPath: `//127.0.0.1:${new URL(attackerHttp.origin).port}/steal`, mediaKey },
      EVILAT: { directPath: `@127.0.0.1:${new URL(attackerHttp.origin).port}/steal`, mediaKey },
    };
    whatsapp.current.deliver(Object.entries(links).map(([id, fields]) => photoFrom(id, { ...fields, caption: id })));
    for (const id of Object.keys(links)) {
      expect((await stored(FAMILY, id)).text).toBe(`[photo, could not be downloaded: ${NOT_WHATSAPP_MEDIA}] ${id}`);
      expect(bot.store.media(FAMILY, id)).toMatchObject({ status: 'failed', error: NOT_WHATSAPP_MEDIA });
    }
    // What the group's model read (the six may reach it in one turn or several, so not one reply's echo).
    const read = await eventually(
      () => ollama.requests.flatMap((request) => request.messages).find((m) => m.content.includes('] EVILHTTP')),
      { timeoutMs: 30_000, what: 'the model to read EVILHTTP' },
    );
    expect(read.content).toContain(`[photo, could not be downloaded: ${NOT_WHATSAPP_MEDIA}] EVILHTTP`);
    expect(attackerHttp.requests).toEqual([]);
    expect(attackerHttps.requests).toEqual([]);
    expect(fs.existsSync(path.join(bot.config.groupsDir, 'family/media'))).toBe(false);
  });

  it("takes the directPath on WhatsApp's media host when the url leads elsewhere: the real file, decrypted; the attacker is never asked", async () => {
    const uploaded = await media.upload(jpeg, 'image');
    whatsapp.current.deliver([photoFrom('GOODPATH', { ...uploaded, url: `${attackerHttps.origin}${uploaded.directPath}`, caption: 'GOODPATH' })]);
    expect((await stored(FAMILY, 'GOODPATH')).text).toBe('[photo: media/GOODPATH.jpg] GOODPATH');
    expect(fs.readFileSync(path.join(bot.config.groupsDir, 'family/media/GOODPATH.jpg')).equals(jpeg)).toBe(true);
    expect(media.requests).toContain(uploaded.directPath);
    expect(attackerHttps.requests).toEqual([]);
  });

  it('follows no redirect off the media host, and a failing host shows no error text', async () => {
    const { mediaKey } = await media.upload(jpeg, 'image');
    whatsapp.current.deliver([
      photoFrom('REDIRECT', { url: `${media.origin}/v/redirect.enc`, directPath: '/v/redirect.enc', mediaKey, caption: 'REDIRECT' }),
      photoFrom('BROKEN', { url: `${media.origin}/v/broken.enc`, directPath: '/v/broken.enc', mediaKey, caption: 'BROKEN' }),
    ]);
    expect((await stored(FAMILY, 'REDIRECT')).text).toBe(`[photo, could not be downloaded: ${NOT_WHATSAPP_MEDIA}] REDIRECT`);
    const broken = await stored(FAMILY, 'BROKEN');
    expect(broken.text).toBe(`[photo, could not be downloaded: ${DOWNLOAD_FAILED}] BROKEN`);
    expect(broken.text).not.toMatch(/10\.0\.0\.7|token|500|127\.0\.0\.1/);
    expect(attackerHttp.requests).toEqual([]);
  });

  it('gives up on a slow download after MEDIA_DOWNLOAD_TIMEOUT, and other chats are answered meanwhile', async () => {
    const { mediaKey } = await media.upload(jpeg, 'image');
    const began = Date.now();
    whatsapp.current.deliver([photoFrom('SLOW', { url: `${media.origin}/v/slow.enc`, directPath: '/v/slow.enc', mediaKey, caption: 'SLOW' })]);
    whatsapp.current.deliver([message({ remoteJid: OTHER, id: 'MEANWHILE', participant: BOB }, { conversation: 'MEANWHILE hello' }, { pushName: 'Bob' })]);
    // The other chat's message is stored and answered while the slow download still runs.
    await replyTo('MEANWHILE');
    expect(bot.store.getMessage(FAMILY, 'SLOW')).toBeUndefined();
    const slow = await stored(FAMILY, 'SLOW');
    expect(Date.now() - began).toBeGreaterThanOrEqual(1900);
    expect(slow.text).toBe('[photo, could not be downloaded: it took longer than 2s (MEDIA_DOWNLOAD_TIMEOUT)] SLOW');
    // The connection to the slow server is closed, not left to trickle.
    await eventually(() => slowEnded, { timeoutMs: 5000, what: 'the slow download to be closed' });
    // The same chat's next message comes after it, in order.
    whatsapp.current.deliver([message({ remoteJid: FAMILY, id: 'AFTER', participant: EVE }, { conversation: 'AFTER' }, { pushName: 'Eve' })]);
    const after = await stored(FAMILY, 'AFTER');
    expect(after.seq).toBeGreaterThan(slow.seq);
  });
});
