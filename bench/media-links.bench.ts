// What a media download in one chat costs the others: the time from Baileys' upsert event to
// the message reaching the inbound path (real SQLite store, the real WhatsAppChannel on the
// fake socket), for text messages of other chats, with no download in flight and while one
// chat's download hangs (the downloader seam holds it until released, as a slow media host
// would until MEDIA_DOWNLOAD_TIMEOUT). Before chats had their own queues, every message
// waited for the hanging download. Also: reading a voice note's length from its bytes
// (audio-length.ts) against decoding it, on the same file, when espeak-ng and opusenc exist.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { audioLength } from '../channel/media/audio-length.js';
import type { MediaDownloader } from '../channel/whatsapp/media-download.js';
import { WhatsAppChannel } from '../channel/whatsapp/whatsapp-channel.js';
import { decodeForWhisper } from '../activities/media/audio-decode.js';
import { createLogger } from '../lib/logger.js';
import { Store } from '../lib/store/store.js';
import { storeLinkedCreds } from '../tests/whatsapp/support/adapter.js';
import { FakeWhatsApp, message } from '../tests/whatsapp/support/fake-whatsapp.js';
import { percentile } from './stats.js';

const CHATS = 20;
const PER_CHAT = 25;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-bench-links-'));
  const store = Store.open(path.join(dir, 'babybot.db'));
  storeLinkedCreds(store);
  const stalled = '120363000000000999@g.us';
  store.addGroup({ folder: 'stalled', jid: stalled, name: 'Stalled', triggerWord: null, requiresTrigger: false, isMain: false });
  let release: () => void = () => {};
  const download: MediaDownloader = () => new Promise((_resolve, reject) => (release = () => reject(new Error('released'))));
  const arrived = new Map<string, number>();
  const whatsapp = new FakeWhatsApp();
  const channel = new WhatsAppChannel({
    store,
    log: createLogger('silent'),
    socketFactory: whatsapp.factory,
    media: { groupsDir: path.join(dir, 'groups'), maxBytes: 1 << 20, download },
  });
  channel.start(async (m) => {
    store.insertMessage(m);
    arrived.set(m.id, performance.now());
  });
  (await whatsapp.socketCount(1)).open();

  const round = async (label: string): Promise<number[]> => {
    const sent = new Map<string, number>();
    for (let i = 0; i < PER_CHAT; i++) {
      for (let c = 0; c < CHATS; c++) {
        const id = `${label}-${c}-${i}`;
        sent.set(id, performance.now());
        whatsapp.current.deliver([message({ remoteJid: `1203630000000${String(c).padStart(5, '0')}@g.us`, id, participant: '447700900001@s.whatsapp.net' }, { conversation: id })]);
      }
      await new Promise((r) => setImmediate(r));
    }
    const deadline = Date.now() + 10_000;
    while ([...sent.keys()].some((id) => !arrived.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const missing = [...sent.keys()].filter((id) => !arrived.has(id)).length;
    if (missing) console.log(`  ${label}: ${missing} of ${sent.size} messages still waiting after 10 s`);
    return [...sent].filter(([id]) => arrived.has(id)).map(([id, at]) => arrived.get(id)! - at);
  };

  await round('warm');
  const idle = await round('idle');
  // One chat's photo whose download hangs.
  whatsapp.current.deliver([message({ remoteJid: stalled, id: 'HANGING', participant: '447700900001@s.whatsapp.net' }, { imageMessage: { mimetype: 'image/jpeg' } })]);
  const busy = await round('busy');
  release();
  const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
  console.log(`other chats' text, upsert -> inbound (${CHATS} chats × ${PER_CHAT}): p50 ${fmt(percentile(idle, 50))}, p95 ${fmt(percentile(idle, 95))} with no download`);
  if (busy.length === 0) console.log(`  while one chat's download hangs: 0/${CHATS * PER_CHAT} arrived within 10 s`);
  else {
    console.log(
      `  while one chat's download hangs: p50 ${fmt(percentile(busy, 50))}, p95 ${fmt(percentile(busy, 95))} ` +
        `(${busy.length}/${CHATS * PER_CHAT} arrived; ratio p50 ${(percentile(busy, 50) / percentile(idle, 50)).toFixed(2)}x)`,
    );
  }
  await channel.stop();
  store.close();

  await audioFigures(dir);
}

async function audioFigures(dir: string): Promise<void> {
  try {
    execFileSync('which', ['espeak-ng', 'opusenc'], { stdio: 'ignore' });
  } catch {
    console.log('audio length vs decode: skipped (espeak-ng and opusenc are installed by scripts/components/whisper.sh)');
    return;
  }
  const wav = path.join(dir, 's.wav');
  const ogg = path.join(dir, 's.ogg');
  execFileSync('espeak-ng', ['-w', wav, 'Please buy milk and bread tomorrow, and call the plumber about the kitchen sink before Friday.'.repeat(6)]);
  execFileSync('opusenc', ['--quiet', wav, ogg]);
  const data = fs.readFileSync(ogg);
  const lengthMs: number[] = [];
  const decodeMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    const length = audioLength(data)!;
    lengthMs.push(performance.now() - t);
    t = performance.now();
    await decodeForWhisper(data);
    decodeMs.push(performance.now() - t);
    if (i === 0) console.log(`voice note: ${length.seconds.toFixed(1)} s, ${data.length} bytes of Ogg Opus`);
  }
  const a = percentile(lengthMs, 50);
  const b = percentile(decodeMs, 50);
  console.log(`  length from its bytes: median ${a.toFixed(3)} ms; decoding it: median ${b.toFixed(1)} ms (ratio ${(b / a).toFixed(0)}x)`);
}
