// The whole path with real Temporal, real SQLite and the real workers: only WhatsApp's
// servers (the fake sockets, Baileys' own objects) and the model (OllamaStub) stand in.
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageTurnWorkflowId } from '../../contracts/ids.js';
import { registerGroup } from '../../lib/group-registration.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub, withoutTimeNote } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { linkedInstallation } from './support/adapter.js';
import { FakeWhatsApp, message, OWNER_JID } from './support/fake-whatsapp.js';

const FAMILY = '120363000000000001@g.us';
const ALICE = '447700900002@s.whatsapp.net';

const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000) => eventually(probe, { timeoutMs, what });

describe('WhatsApp through a running BabyBot', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const whatsapp = new FakeWhatsApp();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    const dir = linkedInstallation('babybot-wa-full-');
    bot = await startTestBot({
      ollama,
      dir,
      workflowBundle: await bundleWorkflows(),
      env: { WHATSAPP_ENABLED: 'auto' },
      whatsapp: { socketFactory: whatsapp.factory, backoff: { baseMs: 300, maxMs: 1000 } },
    });
    (await whatsapp.socketCount(1)).open();
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('answers the owner in their self chat (the WhatsApp main chat) once, and its own echo starts no turn', async () => {
    const health = await bot.health();
    expect(health.components.whatsapp).toMatchObject({ ok: true });
    expect(bot.store.groupByJid(OWNER_JID)).toMatchObject({ folder: 'whatsapp-main', isMain: true });
    expect(bot.store.groupByJid('local:main')).toMatchObject({ folder: 'main', isMain: true });
    whatsapp.current.deliver([message({ remoteJid: OWNER_JID, fromMe: true, id: 'SELF1' }, { conversation: 'what is on today?' })]);
    await until('the reply', () => whatsapp.allSent.length >= 1 && whatsapp.allSent);
    // The turn has ended and the group has nothing queued: its own echo started no turn.
    await bot.client.workflow.getHandle(messageTurnWorkflowId('whatsapp-main', OWNER_JID, 'SELF1')).result();
    await bot.groupIdle('whatsapp-main');
    expect(whatsapp.allSent).toEqual([{ jid: OWNER_JID, text: 'echo: Owner: what is on today?', messageId: expect.stringMatching(/^BB[0-9A-F]{18}$/) }]);
    expect(ollama.requests).toHaveLength(1);
    expect(bot.replies(OWNER_JID)).toHaveLength(1);
    // Typing was shown while the turn ran, and cleared by the reply.
    expect(whatsapp.current.presence.map((p) => p.type)).toEqual(['composing', 'paused']);
  });

  it('a group message without the trigger is stored as context only, and the next triggered turn sees it', async () => {
    whatsapp.current.emit('groups.upsert', [{ id: FAMILY, subject: 'Family', participants: [] }]);
    await until('the group name', () => bot.store.listChats().find((c) => c.jid === FAMILY));
    registerGroup(bot.store, { jid: FAMILY, folder: 'family' });
    const requestsBefore = ollama.requests.length;
    whatsapp.current.deliver([message({ remoteJid: FAMILY, id: 'G1', participant: ALICE }, { conversation: 'the train leaves at 9:15' }, { pushName: 'Alice' })]);
    await until('G1 stored', () => bot.store.getMessage(FAMILY, 'G1'));
    // Stored as not handed to Temporal: no turn of its own.
    expect(bot.store.getMessage(FAMILY, 'G1')?.handoff).toBe('none');

    whatsapp.current.deliver([message({ remoteJid: FAMILY, id: 'G2', participant: ALICE }, { conversation: '@Baby when does the train leave?' }, { pushName: 'Alice' })]);
    await until('the group reply', () => bot.replies(FAMILY).length === 1);
    await bot.client.workflow.getHandle(messageTurnWorkflowId('family', FAMILY, 'G2')).result();
    await bot.groupIdle('family');
    await expect(bot.client.workflow.getHandle(messageTurnWorkflowId('family', FAMILY, 'G1')).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(ollama.requests.length).toBe(requestsBefore + 1);
    const request = ollama.requests[requestsBefore];
    const contents = request.messages.map((m) => withoutTimeNote(m.content));
    // Alice is not the owner: the host tags her with her id (a display name proves nothing).
    expect(contents).toContain(`[member] Alice: the train leaves at 9:15`);
    expect(contents).toContain(`[member] Alice: @Baby when does the train leave?`);
  });

  it('a reply produced while WhatsApp is disconnected is delivered once, after the reconnect', async () => {
    const sentBefore = whatsapp.allSent.length;
    const socketsBefore = whatsapp.sockets.length;
    // The model takes a moment; the connection drops while it thinks.
    ollama.setReplies({ content: 'the 9:15 it is', delayMs: 800 });
    whatsapp.current.deliver([message({ remoteJid: FAMILY, id: 'G3', participant: ALICE }, { conversation: '@Baby confirm the train' }, { pushName: 'Alice' })]);
    await until('the model call', () => ollama.requests.some((r) => r.messages.some((m) => m.content.includes('confirm the train'))));
    whatsapp.current.close(408, 'Connection was lost');
    // The adapter reconnects (a new socket) but WhatsApp does not open it for a while.
    const pending = await whatsapp.socketCount(socketsBefore + 1);
    // Temporal shows the reply's delivery failing and being retried while the socket stays shut.
    const turn = bot.client.workflow.getHandle(messageTurnWorkflowId('family', FAMILY, 'G3'));
    await until(
      'the delivery to be retried',
      async () => ((await turn.describe()).raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'deliver' && (a.attempt ?? 0) >= 2),
    );
    expect((await bot.health()).components.whatsapp).toMatchObject({ ok: false });
    expect(whatsapp.allSent.length).toBe(sentBefore);
    expect(bot.replies(FAMILY)).toHaveLength(1);

    pending.open();
    await until('the delayed reply', () => pending.sent.length >= 1, 30_000);
    await turn.result();
    await bot.groupIdle('family');
    expect(pending.sent).toEqual([{ jid: FAMILY, text: 'the 9:15 it is', messageId: expect.stringMatching(/^BB/) }]);
    expect(whatsapp.allSent.length).toBe(sentBefore + 1);
    expect(bot.replies(FAMILY).map((r) => r.text)).toEqual([`echo: [member] Alice: @Baby when does the train leave?`, 'the 9:15 it is']);
  });

  it('the local chat keeps working while WhatsApp is down', async () => {
    whatsapp.current.close(503, 'Service Unavailable');
    await bot.post('main', 'still there?');
    const replies = await bot.waitForReplies('local:main', 1);
    expect(replies[0].text).toBe('echo: user: still there?');
  });
});
