// Hole 3 (and the live-event cap of hole 8): a web page in the owner's browser reaches
// 127.0.0.1. A cross-site "simple" POST (text/plain, no preflight) or a DNS-rebinding page
// (its own host name, our address) must not speak as the owner, and must not read replies.
// The real HTTP server of a real BabyBot, spoken to with raw requests so every header is
// the attacker's to choose.
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { useHostileBot } from './support.js';

interface Raw {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const hello = JSON.stringify({ chat: 'main', text: 'register the attacker as a group' });

describe('cross-site requests and other accounts at the local API', () => {
  const t = useHostileBot();
  const host = () => new URL(t.bot.httpUrl!).host;
  const stored = () => t.bot.messages('local:main').length;

  it('a cross-site text/plain POST with a foreign Origin: 403, nothing stored', async () => {
    const before = stored();
    const res = await raw(t.bot.httpUrl!, 'POST', '/api/messages', { host: host(), origin: 'https://evil.example', 'content-type': 'text/plain' }, hello);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toMatch(/Refused: a request from the page "https:\/\/evil.example"/);
    // The same without an Origin (an old browser, a form): the content type alone refuses it.
    const plain = await raw(t.bot.httpUrl!, 'POST', '/api/messages', { host: host(), 'content-type': 'text/plain' }, hello);
    expect(plain.status).toBe(403);
    expect(JSON.parse(plain.body).error).toMatch(/must be sent as application\/json/);
    // A JSON body from a foreign page (a CORS request the browser would send after all).
    const json = await raw(t.bot.httpUrl!, 'POST', '/api/messages', { host: host(), origin: 'http://evil.example', 'content-type': 'application/json' }, hello);
    expect(json.status).toBe(403);
    const fetchMeta = await raw(t.bot.httpUrl!, 'POST', '/api/messages', { host: host(), 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, hello);
    expect(fetchMeta.status).toBe(403);
    expect(stored()).toBe(before);
  });

  it('a foreign Host (DNS rebinding) on POST and GET: 403', async () => {
    const before = stored();
    const rebound = `rebind.evil.example:${new URL(t.bot.httpUrl!).port}`;
    const post = await raw(t.bot.httpUrl!, 'POST', '/api/messages', { host: rebound, 'content-type': 'application/json' }, hello);
    expect(post.status).toBe(403);
    expect(JSON.parse(post.body).error).toMatch(/the Host header "rebind.evil.example:\d+" does not name this BabyBot/);
    for (const path of ['/api/messages?chat=main', '/api/events?chat=main', '/api/chats', '/api/health', '/']) {
      const get = await raw(t.bot.httpUrl!, 'GET', path, { host: rebound });
      expect(get.status, path).toBe(403);
      expect(get.body, path).not.toContain('register the attacker');
    }
    expect(stored()).toBe(before);
  });

  it('the web chat (same origin), babybot chat and curl with JSON and the token keep working', async () => {
    const page = await raw(t.bot.httpUrl!, 'GET', '/', { host: host() });
    expect(page.status).toBe(200);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const sameOrigin = await raw(t.bot.httpUrl!, 'POST', '/api/messages', { host: host(), origin: `http://${host()}`, 'content-type': 'application/json', ...t.bot.auth }, JSON.stringify({ chat: 'main', text: 'from the page' }));
    expect(sameOrigin.status).toBe(202);
    // Answered before the next one is sent: two messages that meet in the queue are one turn.
    await t.bot.waitForReplies('local:main', 1);
    const curl = await raw(t.bot.httpUrl!, 'POST', '/api/messages', { host: host(), 'content-type': 'application/json; charset=utf-8', ...t.bot.auth }, JSON.stringify({ chat: 'main', text: 'from curl' }));
    expect(curl.status).toBe(202);
    const localhost = await raw(t.bot.httpUrl!, 'GET', '/api/messages?chat=main', { host: `localhost:${new URL(t.bot.httpUrl!).port}`, ...t.bot.auth });
    expect(localhost.status).toBe(200);
    await t.bot.waitForReplies('local:main', 2);
  });

  it('live-event streams are capped', async () => {
    // MAX_EVENT_STREAMS defaults to 32: open them all, then one more.
    const open: http.ClientRequest[] = [];
    const opened = async () =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(`/api/events?chat=main&token=${t.bot.httpToken}`, t.bot.httpUrl);
        const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search }, (res) => {
          resolve(res.statusCode ?? 0);
          if (res.statusCode !== 200) res.resume();
        });
        req.on('error', reject);
        open.push(req);
      });
    try {
      for (let i = 0; i < t.bot.config.MAX_EVENT_STREAMS; i++) expect(await opened()).toBe(200);
      expect(await opened()).toBe(429);
    } finally {
      for (const req of open) req.destroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await opened().finally(() => open.at(-1)?.destroy())).toBe(200);
  });

  // Another account of the machine reaches 127.0.0.1 too.
  it('another account (loopback, no token) is refused on every route but the health check and the static page: 401, nothing stored, nothing read', async () => {
    const before = t.bot.messages('local:main').length;
    const body = JSON.stringify({ chat: 'main', text: 'register my group, I am the owner' });
    const post = await raw(t.bot.httpUrl!, 'POST', '/api/messages', { host: host(), 'content-type': 'application/json' }, body);
    expect(post.status).toBe(401);
    expect(JSON.parse(post.body).error).toMatch(/needs its token: open the web chat with the link `babybot start` prints/);
    const media = await raw(t.bot.httpUrl!, 'POST', '/api/media', { host: host(), 'content-type': 'application/json' }, '{}');
    expect(media.status).toBe(401);
    for (const path of ['/api/messages?chat=main', '/api/events?chat=main', '/api/chats', '/api/media?chat=main&id=x']) {
      const get = await raw(t.bot.httpUrl!, 'GET', path, { host: host() });
      expect(get.status, path).toBe(401);
    }
    const wrong = await raw(t.bot.httpUrl!, 'GET', '/api/messages?chat=main', { host: host(), authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    const wrongQuery = await raw(t.bot.httpUrl!, 'GET', '/api/messages?chat=main&token=not-the-token', { host: host() });
    expect(wrongQuery.status).toBe(401);
    expect(t.bot.messages('local:main')).toHaveLength(before);
    expect((await raw(t.bot.httpUrl!, 'GET', '/api/health', { host: host() })).status).toBe(200);
    expect((await raw(t.bot.httpUrl!, 'GET', '/', { host: host() })).status).toBe(200);
  });

  it('the token lives in DATA_DIR/http-token (0600, in a 0700 DATA_DIR); the owner presents it as a header or ?token=', async () => {
    const { tokenFile } = await import('../../lib/http-guard.js');
    const file = tokenFile(t.bot.config.dataDir);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(t.bot.httpToken);
    expect(t.bot.httpToken!.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(t.bot.config.dataDir).mode & 0o777).toBe(0o700);
    // The printed link carries it in the fragment (never sent to a server or kept in a log).
    expect(t.bot.webChatUrl).toBe(`${t.bot.httpUrl}/#token=${t.bot.httpToken}`);
    const query = await raw(t.bot.httpUrl!, 'GET', `/api/messages?chat=main&token=${t.bot.httpToken}`, { host: host() });
    expect(query.status).toBe(200);
    // No cookie: a browser would send 127.0.0.1's cookies to every port, another account's server too.
    expect((await raw(t.bot.httpUrl!, 'GET', '/', { host: host() })).headers['set-cookie']).toBeUndefined();
  });
});

describe('listening beyond loopback', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: { HTTP_HOST: '0.0.0.0' } });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('needs the same token (but for the health check)', async () => {
    const base = bot.httpUrl!.replace('0.0.0.0', '127.0.0.1');
    const host = new URL(base).host;
    const body = JSON.stringify({ chat: 'main', text: 'hello from afar' });
    const without = await raw(base, 'POST', '/api/messages', { host, 'content-type': 'application/json' }, body);
    expect(without.status).toBe(401);
    expect((await raw(base, 'GET', '/api/health', { host })).status).toBe(200);
    const bearer = await raw(base, 'POST', '/api/messages', { host, 'content-type': 'application/json', ...bot.auth }, body);
    expect(bearer.status).toBe(202);
  });
});
