// WhatsApp media in, through Baileys' own protobuf objects (audioMessage with ptt,
// imageMessage with and without a caption, documentMessage, stickerMessage) and the real
// channel, store and files; only the download from WhatsApp's media servers is the seam,
// fed real bytes (espeak-ng speech as Ogg Opus, sharp photos, a real PDF).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Inbound } from '../../channel/inbound.js';
import type { MediaDownloader } from '../../channel/whatsapp/media-download.js';
import { createLogger } from '../../lib/logger.js';
import type { Group, StoredMessage } from '../../lib/store/store.js';
import { MediaTooLargeError } from '../../channel/media/ingest.js';
import { audioLength } from '../../channel/media/audio-length.js';
import { WhatsAppChannel } from '../../channel/whatsapp/whatsapp-channel.js';
import { storeLinkedCreds, tempStore } from '../whatsapp/support/adapter.js';
import { FakeWhatsApp, message } from '../whatsapp/support/fake-whatsapp.js';
import { eventually } from '../support/eventually.js';
import { pdf, photo, speech, sticker } from './support.js';

const ALICE = '447700900222@s.whatsapp.net';
const FAMILY = '120363000000000001@g.us';
const STRANGER = '447700900333@s.whatsapp.net';
const MAX = 2 * 1024 * 1024;

describe('WhatsApp media in', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  async function opened(bytes: Record<string, Buffer | Error>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-media-'));
    const groupsDir = path.join(dir, 'groups');
    const store = tempStore(dir);
    store.addGroup({ folder: 'alice', jid: ALICE, name: 'Alice', triggerWord: null, requiresTrigger: false, isMain: false });
    store.addGroup({ folder: 'family', jid: FAMILY, name: 'Family', triggerWord: null, requiresTrigger: true, isMain: false });
    const downloads: string[] = [];
    const download: MediaDownloader = async (raw, _socket, maxBytes) => {
      downloads.push(raw.key.id!);
      const found = bytes[raw.key.id!];
      if (found instanceof Error) throw found;
      if (!found) throw new Error(`no bytes for ${raw.key.id}`);
      if (found.length > maxBytes) throw new MediaTooLargeError(undefined, maxBytes);
      return found;
    };
    const handedOver: StoredMessage[] = [];
    const inbound = new Inbound({
      store,
      assistantName: 'Baby',
      handOver: async (_group: Group, m: StoredMessage) => void handedOver.push(m),
      command: async () => {
        throw new Error('no command in these media tests');
      },
      log: createLogger('silent'),
    });
    storeLinkedCreds(store);
    const whatsapp = new FakeWhatsApp();
    const channel = new WhatsAppChannel({ store, log: createLogger('silent'), socketFactory: whatsapp.factory, media: { groupsDir, maxBytes: MAX, download } });
    channel.start((m) => inbound.receive(m));
    stop = () => channel.stop();
    const socket = await whatsapp.socketCount(1);
    socket.open();
    return { store, socket, groupsDir, downloads, handedOver };
  }

  it('saves a voice note, photos with and without a caption, a document and a sticker, and words each message', async () => {
    const { ogg } = speech();
    const jpeg = await photo(800, 600);
    const report = pdf();
    const webp = await sticker();
    const { socket, store, groupsDir, handedOver } = await opened({ V1: ogg, I1: jpeg, I2: jpeg, D1: report, S1: webp });
    socket.deliver([
      message({ remoteJid: ALICE, id: 'V1' }, { audioMessage: { ptt: true, seconds: 6, mimetype: 'audio/ogg; codecs=opus', fileLength: ogg.length } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'I1' }, { imageMessage: { caption: 'look at this', mimetype: 'image/jpeg', width: 800, height: 600 } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'I2' }, { imageMessage: { mimetype: 'image/jpeg' } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'D1' }, { documentMessage: { fileName: 'report.pdf', mimetype: 'application/pdf', fileLength: report.length } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'S1' }, { stickerMessage: { mimetype: 'image/webp' } }, { pushName: 'Alice' }),
    ]);
    await waitFor(() => store.messagesSince(ALICE).length === 5);
    // The length is the file's own, not the 6 s the sender's client claimed.
    const seconds = Math.round(audioLength(ogg)!.seconds);
    expect(store.messagesSince(ALICE).map((m) => [m.id, m.text])).toEqual([
      ['V1', `[voice note 0:0${seconds}, transcribing…]`],
      ['I1', '[photo: media/I1.jpg] look at this'],
      ['I2', '[photo: media/I2.jpg]'],
      ['D1', `[document: report.pdf, ${report.length} B, saved as media/D1.pdf]`],
      ['S1', '[sticker: media/S1.webp]'],
    ]);
    expect(fs.readFileSync(path.join(groupsDir, 'alice/media/V1.ogg')).equals(ogg)).toBe(true);
    expect(fs.readFileSync(path.join(groupsDir, 'alice/media/I1.jpg')).equals(jpeg)).toBe(true);
    expect(fs.readFileSync(path.join(groupsDir, 'alice/media/D1.pdf')).equals(report)).toBe(true);
    expect(fs.readFileSync(path.join(groupsDir, 'alice/media/S1.webp')).equals(webp)).toBe(true);
    expect(store.media(ALICE, 'V1')).toMatchObject({ kind: 'voice', mime: 'audio/ogg; codecs=opus', path: 'media/V1.ogg', folder: 'alice', bytes: ogg.length, seconds, status: 'saved' });
    expect(store.media(ALICE, 'I1')).toMatchObject({ kind: 'image', mime: 'image/jpeg', width: 800, height: 600, bytes: jpeg.length });
    expect(store.media(ALICE, 'D1')).toMatchObject({ kind: 'document', fileName: 'report.pdf', mime: 'application/pdf' });
    expect(store.media(ALICE, 'S1')).toMatchObject({ kind: 'sticker', mime: 'image/webp' });
    // A no-trigger chat: every message is handed over (the voice note to be transcribed first).
    expect(handedOver.map((m) => m.id)).toEqual(['V1', 'I1', 'I2', 'D1', 'S1']);
  });

  it('in a group with a trigger word, a caption can carry the trigger; a photo or voice note without one is context, the note never transcribed', async () => {
    const jpeg = await photo(320, 240);
    const { ogg } = speech('hello');
    const { socket, store, handedOver } = await opened({ G1: jpeg, G2: jpeg, G3: ogg });
    socket.deliver([
      message({ remoteJid: FAMILY, id: 'G1', participant: ALICE }, { imageMessage: { caption: '@Baby what is this?', mimetype: 'image/jpeg' } }, { pushName: 'Alice' }),
      message({ remoteJid: FAMILY, id: 'G2', participant: ALICE }, { imageMessage: { mimetype: 'image/jpeg' } }, { pushName: 'Alice' }),
      message({ remoteJid: FAMILY, id: 'G3', participant: ALICE }, { audioMessage: { ptt: true, seconds: 1, mimetype: 'audio/ogg; codecs=opus' } }, { pushName: 'Alice' }),
    ]);
    await waitFor(() => store.messagesSince(FAMILY).length === 3);
    expect(handedOver.map((m) => m.id)).toEqual(['G1']);
    expect(store.getMessage(FAMILY, 'G2')).toMatchObject({ handoff: 'none', text: '[photo: media/G2.jpg]' });
    expect(store.getMessage(FAMILY, 'G3')).toMatchObject({ handoff: 'none', text: expect.stringMatching(/, not transcribed: only voice notes that call the assistant are transcribed\]$/) });
  });

  it('refuses oversized media with a placeholder (declared: not even downloaded; undeclared: stopped at the cap), and loses nothing else', async () => {
    const big = Buffer.alloc(MAX + 1, 1);
    const jpeg = await photo(64, 64);
    const { socket, store, downloads, groupsDir } = await opened({ B1: big, B2: big, OK: jpeg });
    socket.deliver([
      message({ remoteJid: ALICE, id: 'B1' }, { imageMessage: { mimetype: 'image/jpeg', fileLength: 20 * 1024 * 1024 } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'B2' }, { documentMessage: { fileName: 'huge.bin', mimetype: 'application/octet-stream' } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'OK' }, { imageMessage: { caption: 'small one', mimetype: 'image/jpeg' } }, { pushName: 'Alice' }),
      message({ remoteJid: ALICE, id: 'T1' }, { conversation: 'and some text' }, { pushName: 'Alice' }),
    ]);
    await waitFor(() => store.messagesSince(ALICE).length === 4);
    const texts = Object.fromEntries(store.messagesSince(ALICE).map((m) => [m.id, m.text]));
    expect(texts.B1).toBe('[photo, 20.0 MB, not saved: 20.0 MB, over the limit of 2.0 MB (MEDIA_MAX_BYTES)]');
    expect(texts.B2).toBe('[document: huge.bin, not saved: more than the limit of 2.0 MB (MEDIA_MAX_BYTES)]');
    expect(texts.OK).toBe('[photo: media/OK.jpg] small one');
    expect(texts.T1).toBe('and some text');
    expect(downloads).not.toContain('B1');
    expect(store.media(ALICE, 'B1')).toMatchObject({ status: 'too-large' });
    expect(fs.readdirSync(path.join(groupsDir, 'alice/media'))).toEqual(['OK.jpg']);
  });

  it('a failed download leaves a readable placeholder without the error text, and the message is still stored and handed over', async () => {
    const { socket, store, handedOver } = await opened({ F1: new Error('Request failed with status code 410 from 10.1.2.3:443 (media expired, re-upload refused)') });
    socket.deliver([
      message({ remoteJid: ALICE, id: 'F1' }, { audioMessage: { ptt: true, seconds: 72, mimetype: 'audio/ogg; codecs=opus' } }, { pushName: 'Alice' }),
    ]);
    await waitFor(() => store.messagesSince(ALICE).length === 1);
    expect(store.getMessage(ALICE, 'F1')!.text).toBe('[voice note 1:12, could not be downloaded: the download failed]');
    expect(store.media(ALICE, 'F1')).toMatchObject({ status: 'failed', kind: 'voice' });
    expect(handedOver.map((m) => m.id)).toEqual(['F1']);
  });

  it('never writes through a media folder the container swapped for a symlink, and never downloads for chats that are not registered', async () => {
    const jpeg = await photo(64, 64);
    const { socket, store, groupsDir, downloads } = await opened({ L1: jpeg, X1: jpeg });
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-outside-'));
    fs.mkdirSync(path.join(groupsDir, 'alice'), { recursive: true });
    fs.symlinkSync(outside, path.join(groupsDir, 'alice/media'));
    socket.deliver([
      message({ remoteJid: ALICE, id: 'L1' }, { imageMessage: { mimetype: 'image/jpeg' } }, { pushName: 'Alice' }),
      message({ remoteJid: STRANGER, id: 'X1' }, { imageMessage: { caption: 'hi', mimetype: 'image/jpeg' } }, { pushName: 'Eve' }),
    ]);
    await waitFor(() => store.messagesSince(ALICE).length === 1 && store.messagesSince(STRANGER).length === 1);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.lstatSync(path.join(groupsDir, 'alice/media')).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(groupsDir, 'alice/media/L1.jpg')).equals(jpeg)).toBe(true);
    expect(store.getMessage(STRANGER, 'X1')!.text).toBe('[photo] hi');
    expect(downloads).toEqual(['L1']);
  });
});

const waitFor = (check: () => boolean, timeoutMs = 10_000) => eventually(check, { timeoutMs, what: 'the messages to be stored' });
