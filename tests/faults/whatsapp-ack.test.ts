// Fault: the WhatsApp connection drops after a reply's frame was written but before the
// server acknowledged it, or BabyBot dies between the server's ack and its own log.
// Before: a part was marked sent once Baileys had written it to the socket, so a drop right
// after lost it for good. Now a part is marked sent on the server's ack; one left
// 'sending' is sent again after the reconnect under the same message id, which WhatsApp
// keeps once: each reply reaches the chat exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { linkedInstallation } from '../whatsapp/support/adapter.js';
import { FakeWhatsApp, message, OWNER_JID, type FakeSocket } from '../whatsapp/support/fake-whatsapp.js';
import { pause, until } from './support/faults.js';

describe('WhatsApp replies across a drop before the ack and a crash after it', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let bundle: WorkflowBundleWithSourceMap;
  const whatsapp = new FakeWhatsApp();
  const dir = linkedInstallation('babybot-fault-ack-');
  const start = (namespace?: string) =>
    startTestBot({
      ollama,
      dir,
      namespace,
      workflowBundle: bundle,
      env: { WHATSAPP_ENABLED: 'auto' },
      whatsapp: { socketFactory: whatsapp.factory, backoff: { baseMs: 200, maxMs: 500 } },
    });

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    bundle = await bundleWorkflows();
    bot = await start();
    (await whatsapp.socketCount(1)).open();
    await until('the WhatsApp main chat', () => bot.store.groupByJid(OWNER_JID));
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  const deliveredText = (text: string) => whatsapp.delivered.filter((m) => m.text === text);

  it('a drop between the write and the ack: the part is sent again after the reconnect, delivered once', async () => {
    const socket = whatsapp.current;
    ollama.setReplies({ content: 'lost on the wire?' });
    // The frame is written, never reaches the server, and the connection drops right after.
    socket.loseNextFrame = true;
    const write = socket.sendMessage.bind(socket);
    socket.sendMessage = async (...args: Parameters<FakeSocket['sendMessage']>) => {
      const echo = await write(...args);
      setImmediate(() => socket.close(408, 'Connection was lost'));
      return echo;
    };
    const socketsBefore = whatsapp.sockets.length;
    socket.deliver([message({ remoteJid: OWNER_JID, fromMe: true, id: 'ACK1' }, { conversation: 'first question' })]);
    const next = await whatsapp.socketCount(socketsBefore + 1, 60_000);
    expect(deliveredText('lost on the wire?')).toHaveLength(0);
    next.open();
    await until('the reply to arrive', () => deliveredText('lost on the wire?').length === 1, 60_000);
    await pause(1500);
    expect(deliveredText('lost on the wire?')).toHaveLength(1);
    const writes = whatsapp.allSent.filter((m) => m.text === 'lost on the wire?');
    expect(writes).toHaveLength(2);
    expect(writes[0].messageId).toBe(writes[1].messageId);
    expect(bot.replies(OWNER_JID).map((m) => m.text)).toContain('lost on the wire?');
    console.log(`drop before the ack: ${writes.length} writes under one id (${writes[0].messageId}), delivered ${deliveredText('lost on the wire?').length}×`);
  });

  it('a crash between the ack and the log: after the restart the part is delivered once', async () => {
    const socket = whatsapp.current;
    ollama.setReplies({ content: 'acked, then BabyBot died' });
    // The server takes the message, but its ack arrives only after BabyBot is gone.
    socket.ackDelayMs = 2000;
    socket.deliver([message({ remoteJid: OWNER_JID, fromMe: true, id: 'ACK2' }, { conversation: 'second question' })]);
    await until('the server to have the reply', () => deliveredText('acked, then BabyBot died').length === 1, 60_000);
    const namespace = bot.namespace;
    await bot.stop();
    await pause(2500); // the ack is sent to a process that is gone
    const socketsBefore = whatsapp.sockets.length;
    bot = await start(namespace);
    (await whatsapp.socketCount(socketsBefore + 1, 60_000)).open();
    await until('the part to be logged sent', () => {
      const part = bot.store.delivery(`whatsapp-part:${deliveredText('acked, then BabyBot died')[0].messageId}`);
      return part?.status === 'sent' && bot.replies(OWNER_JID).some((m) => m.text === 'acked, then BabyBot died');
    }, 60_000);
    await pause(1000);
    expect(deliveredText('acked, then BabyBot died')).toHaveLength(1);
    expect(bot.replies(OWNER_JID).filter((m) => m.text === 'acked, then BabyBot died')).toHaveLength(1);
    const writes = whatsapp.allSent.filter((m) => m.text === 'acked, then BabyBot died').length;
    console.log(`crash after the ack: ${writes} writes, delivered ${deliveredText('acked, then BabyBot died').length}×`);
  });
});
