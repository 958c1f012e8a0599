// Fault: WhatsApp logs the device out while a turn is about to reply. Before: the delivery
// treated "logged out" like a dropped connection and retried for 24 h, then the failure
// notice retried for 24 h more, and every later message of the group waited behind it.
// Now a state that needs a person (logged out, replaced, not linked) fails the delivery at
// once, the turn ends with that cause, the notice gives up within minutes, and the group
// goes on: its next turn starts at once, and other chats are answered meanwhile.
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageTurnWorkflowId } from '../../contracts/ids.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { linkedInstallation } from '../whatsapp/support/adapter.js';
import { FakeWhatsApp, message, OWNER_JID } from '../whatsapp/support/fake-whatsapp.js';
import { closedRun, until } from './support/faults.js';

describe('a logged-out WhatsApp', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const whatsapp = new FakeWhatsApp();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    bot = await startTestBot({
      ollama,
      dir: linkedInstallation('babybot-fault-logout-'),
      workflowBundle: await bundleWorkflows(),
      env: { WHATSAPP_ENABLED: 'auto' },
      whatsapp: { socketFactory: whatsapp.factory, backoff: { baseMs: 300, maxMs: 1000 } },
    });
    (await whatsapp.socketCount(1)).open();
    await until('the WhatsApp main chat', () => bot.store.groupByJid(OWNER_JID));
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('ends the turn within seconds with the cause, answers other chats, and leaves the group free', async () => {
    ollama.setReplies({ content: 'an answer nobody will get', delayMs: 1000 });
    whatsapp.current.deliver([message({ remoteJid: OWNER_JID, fromMe: true, id: 'LOGOUT1' }, { conversation: 'what is on today?' })]);
    await until('the model step', () => ollama.inFlight === 1);
    whatsapp.current.close(401, 'Connection Failure'); // DisconnectReason.loggedOut
    const started = Date.now();

    const run = await closedRun(bot.client, messageTurnWorkflowId('whatsapp-main', OWNER_JID, 'LOGOUT1'), 60_000);
    const seconds = (Date.now() - started) / 1000;
    expect(run.status.name).toBe('FAILED');
    const failure = await bot.client.workflow.getHandle(messageTurnWorkflowId('whatsapp-main', OWNER_JID, 'LOGOUT1')).result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('WhatsAppUnavailable');
    expect(cause.message).toMatch(/logged BabyBot out/);
    expect(seconds).toBeLessThan(30);

    // Another chat is answered at once.
    await bot.post('main', 'still there?');
    expect((await bot.waitForReplies('local:main', 1))[0].text).toBe('echo: user: still there?');

    // The group is not stuck: its next message gets its own turn now, which ends the same way.
    await bot.inbound!.receive({ channel: 'whatsapp', chat: OWNER_JID, id: 'LOGOUT2', sender: OWNER_JID, text: 'and now?', timestamp: new Date().toISOString() });
    const next = await closedRun(bot.client, messageTurnWorkflowId('whatsapp-main', OWNER_JID, 'LOGOUT2'), 30_000);
    expect(next.status.name).toBe('FAILED');
    console.log(`logged out: the turn failed after ${seconds.toFixed(1)}s with ${cause.type}: ${cause.message.slice(0, 80)}…; the next turn of the group ended ${((Date.now() - started) / 1000).toFixed(1)}s after the logout`);
  });
});
