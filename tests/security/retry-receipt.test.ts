// WhatsApp asks the sender of a message again when a recipient's device could not decrypt
// it (a retry receipt). Baileys then calls the socket's getMessage with the key it was
// asked about ({ remoteJid, id, fromMe: true, participant }, as its sendMessagesAgain does)
// and re-sends what it gets, from the owner's account. Anyone in a chat can send such a
// receipt for any id, also the id of their own message stored in that chat. Here a running
// BabyBot (real Temporal, real SQLite, Baileys' protobufs on the fake socket) answers such
// calls: only with the parts of replies it sent itself, to that very chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketOptions } from '../../channel/whatsapp/socket.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { linkedInstallation } from '../whatsapp/support/adapter.js';
import { FakeWhatsApp, message } from '../whatsapp/support/fake-whatsapp.js';

const FAMILY = '120363000000000031@g.us';
const OTHER = '120363000000000032@g.us';
const EVE = '447700900666@s.whatsapp.net';

describe('retry receipts', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const whatsapp = new FakeWhatsApp();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    bot = await startTestBot({
      ollama,
      dir: linkedInstallation('babybot-retry-receipt-'),
      workflowBundle: await bundleWorkflows(),
      env: { WHATSAPP_ENABLED: 'auto' },
      whatsapp: { socketFactory: whatsapp.factory, backoff: { baseMs: 300, maxMs: 1000 } },
    });
    (await whatsapp.socketCount(1)).open();
    bot.store.addGroup({ folder: 'family', jid: FAMILY, name: 'Family', triggerWord: null, requiresTrigger: false, isMain: false });
    bot.store.addGroup({ folder: 'other', jid: OTHER, name: 'Other', triggerWord: null, requiresTrigger: false, isMain: false });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  /** What Baileys' sendMessagesAgain asks for each id of a retry receipt. */
  const askAgain = (remoteJid: string, id: string) =>
    (whatsapp.current.options as SocketOptions).getMessage({ remoteJid, id, fromMe: true, participant: EVE } as never);

  it("re-sends only BabyBot's own parts, to their own chat; a stranger's stored message is never re-sent as the owner's", async () => {
    const words = 'Transfer 500 EUR to IBAN XX00 1234, signed: the owner';
    whatsapp.current.deliver([message({ remoteJid: FAMILY, id: '3EB0STRANGER0001', participant: EVE }, { conversation: words }, { pushName: 'Eve' })]);
    const reply = await eventually(() => whatsapp.allSent.find((s) => s.jid === FAMILY), { timeoutMs: 30_000, what: "BabyBot's reply" });
    expect(bot.store.getMessage(FAMILY, '3EB0STRANGER0001')?.text).toBe(words);

    // Before: any stored message of the chat was answered, so the owner's account re-sent Eve's words.
    expect(await askAgain(FAMILY, '3EB0STRANGER0001')).toBeUndefined();
    // Her id asked for in another chat, an id nobody sent, and a part number that does not exist.
    expect(await askAgain(OTHER, '3EB0STRANGER0001')).toBeUndefined();
    expect(await askAgain(FAMILY, 'BB0000000000NONE')).toBeUndefined();
    expect(await askAgain(FAMILY, `${reply.messageId}P7`)).toBeUndefined();
    // BabyBot's own reply is answered, in its own chat only.
    expect(await askAgain(FAMILY, reply.messageId)).toEqual({ conversation: reply.text });
    expect(await askAgain(OTHER, reply.messageId)).toBeUndefined();
  });
});
