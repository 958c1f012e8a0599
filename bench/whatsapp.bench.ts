// The WhatsApp channel's own cost per inbound message, without Temporal: Baileys' protobuf
// decode, normalising, the own-send lookup in the delivery log, and storing it (real
// SQLite). Compared in the same run with storing alone, so the ratio says what the channel adds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { proto } from '../channel/whatsapp/baileys.js';
import { normaliseMessage } from '../channel/whatsapp/normalise.js';
import { Store } from '../lib/store/store.js';
import { percentile } from './stats.js';

const MESSAGES = 2000;
const ROUNDS = 5;

export async function run(): Promise<void> {
  const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-bench-wa-')), 'babybot.db'));
  // A delivery log of a few months of replies, so the own-send lookup has something to search.
  store.transaction(() => {
    for (let i = 0; i < 20_000; i++) store.recordDelivery(`reply:${i}`, 'x@s.whatsapp.net', `BB${i.toString(16).toUpperCase().padStart(18, '0')}`, 'sent');
  });
  const wire = Array.from({ length: MESSAGES }, (_, i) =>
    proto.WebMessageInfo.encode({
      key: { remoteJid: '447700900001@s.whatsapp.net', fromMe: true, id: `3EB0${i.toString(16).padStart(12, '0')}` },
      message: { extendedTextMessage: { text: `message ${i} with some words in it`, contextInfo: { quotedMessage: { conversation: 'earlier' } } } },
      messageTimestamp: 1_750_000_000 + i,
      pushName: 'Owner',
    }).finish(),
  );
  const ctx = {
    selfJid: '447700900001@s.whatsapp.net',
    aliases: {},
    isOwnSend: (id: string) => store.deliveryByMessageId(id) !== undefined,
  };
  const channelUs: number[] = [];
  const storeUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    for (const [i, bytes] of wire.entries()) {
      const result = normaliseMessage(proto.WebMessageInfo.decode(bytes), ctx);
      if (!result.ok) throw new Error(`unexpected skip ${result.skip}`);
      store.insertMessage({ ...result.message, id: `${result.message.id}-c${round}-${i}` });
    }
    channelUs.push(((performance.now() - started) * 1000) / MESSAGES);
    started = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      store.insertMessage({ chat: 'local:bench', id: `s${round}-${i}`, sender: 'u', text: `message ${i}`, timestamp: new Date().toISOString() });
    }
    storeUs.push(((performance.now() - started) * 1000) / MESSAGES);
  }
  const channel = percentile(channelUs, 50);
  const storing = percentile(storeUs, 50);
  console.log(`inbound WhatsApp message (decode + normalise + own-send lookup + store): median ${channel.toFixed(1)} µs/message over ${ROUNDS}×${MESSAGES}`);
  console.log(`storing a message alone: median ${storing.toFixed(1)} µs/message`);
  console.log(`ratio channel/store: ${(channel / storing).toFixed(2)}x (the channel's own share: ${(channel - storing).toFixed(1)} µs)`);
  store.close();
}
