// Who may use which command, on WhatsApp (the fake socket, Baileys' own protobuf messages)
// and in the web chat: in a group that is not main, a member gets /help, /status and /model
// (to see it), and /stop only for the turn their own message started; every other command
// is refused with who may. The owner (their own account in the group; every local chat) may
// use all of them, with no trigger word.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGroup } from '../../lib/group-registration.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { closedRun, until } from '../faults/support/faults.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { linkedInstallation } from '../whatsapp/support/adapter.js';
import { FakeWhatsApp, message, OWNER_JID } from '../whatsapp/support/fake-whatsapp.js';

const FAMILY = '120363000000000001@g.us';
const ALICE = '447700900002@s.whatsapp.net';
const BOB = '447700900003@s.whatsapp.net';

describe('who may use the commands', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const whatsapp = new FakeWhatsApp();
  let sentBefore = 0;
  const say = (from: string, text: string, id: string) =>
    whatsapp.current.deliver([
      from === OWNER_JID
        ? message({ remoteJid: FAMILY, fromMe: true, id }, { conversation: text })
        : message({ remoteJid: FAMILY, id, participant: from }, { conversation: text }, { pushName: from === ALICE ? 'Alice' : 'Bob' }),
    ]);
  /** The texts sent to the family group since the last call, once count of them have gone out. */
  const sentToFamily = async (count: number) => {
    const sent = await until(`${count} messages to the family`, () => {
      const all = whatsapp.allSent.filter((m) => m.jid === FAMILY);
      return all.length >= sentBefore + count && all;
    });
    const fresh = sent.slice(sentBefore).map((m) => m.text);
    sentBefore = sent.length;
    return fresh;
  };

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    ollama.models.add('qwen2.5:14b');
    ollama.setScript((request) => (/slow/.test(lastUserText(request)) ? { delayMs: 60_000, content: 'too late' } : { content: 'fine' }));
    bot = await startTestBot({
      ollama,
      dir: linkedInstallation('babybot-commands-'),
      workflowBundle: await bundleWorkflows(),
      env: { WHATSAPP_ENABLED: 'auto' },
      whatsapp: { socketFactory: whatsapp.factory, backoff: { baseMs: 300, maxMs: 1000 } },
    });
    (await whatsapp.socketCount(1)).open();
    whatsapp.current.emit('groups.upsert', [{ id: FAMILY, subject: 'Family', participants: [] }]);
    await until('the group name', () => bot.store.listChats().find((c) => c.jid === FAMILY));
    registerGroup(bot.store, { jid: FAMILY, folder: 'family' });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('a member of a WhatsApp group is refused each owner-only command, with who may', async () => {
    say(ALICE, '/new', 'A1');
    say(ALICE, '/compact', 'A2');
    say(ALICE, '/model qwen2.5:14b', 'A3');
    say(ALICE, '/stop', 'A4');
    say(ALICE, '/approve 1', 'A4b');
    const refusals = await sentToFamily(5);
    expect(refusals).toEqual(
      expect.arrayContaining([
        'Only the owner may use /new here.',
        'Only the owner may use /compact here.',
        'Only the owner may use /model <name> here.',
        'Only the owner, and the member whose message started the running turn may use /stop here.',
        'Only the owner may use /approve here.',
      ]),
    );
    // Nothing changed, and no model was asked.
    expect(bot.store.groupSettings('family')).toEqual({ contextAfterSeq: 0 });
    expect(ollama.requests).toHaveLength(0);
  });

  it('a member gets /help, /status and the model, without the trigger word', async () => {
    say(ALICE, '/help', 'A5');
    say(ALICE, '/status', 'A6');
    say(ALICE, '/model', 'A7');
    const answers = await sentToFamily(3);
    expect(answers.find((text) => text.startsWith('Commands'))).toContain('/stop: stops the running answer');
    expect(answers.find((text) => text.startsWith('Status of Family (family):'))).toContain('Running: nothing.');
    expect(answers).toContain('This chat uses the default model qwen2.5:7b. Set another with /model <name>.');
  });

  it('/stop: refused to another member, done for the member whose message started the turn', async () => {
    say(ALICE, '@Baby a slow question', 'A8');
    const turnId = `turn:family:A8@${FAMILY}`;
    await until('the model step to be in flight', () => ollama.inFlight === 1);
    say(BOB, '/stop', 'B1');
    expect(await sentToFamily(1)).toEqual(['Only the owner, and the member whose message started the running turn may use /stop here.']);
    expect(ollama.inFlight).toBe(1);
    say(ALICE, '/stop', 'A9');
    expect((await closedRun(bot.client, turnId)).status.name).toBe('CANCELLED');
    const told = await sentToFamily(2);
    expect(told).toContain(`Stopped ${turnId}.`);
    await until('the model request aborted', () => ollama.aborted === 1);
  });

  it('the owner may use every command in the group, from their own account', async () => {
    say(OWNER_JID, '/new', 'O1');
    say(OWNER_JID, '/model qwen2.5:14b', 'O2');
    const done = await sentToFamily(2);
    expect(done.find((text) => text.startsWith('Started a fresh conversation'))).toBeTruthy();
    expect(done).toContain('This chat now uses the model qwen2.5:14b, from the next answer on.');
    expect(bot.store.groupSettings('family').model).toBe('qwen2.5:14b');
  });

  it('in the web chat every message is the owner\'s: a local group that is not main takes every command', async () => {
    registerGroup(bot.store, { jid: 'local:club', folder: 'club' });
    await bot.post('club', '/new', { sender: 'someone' });
    const [reply] = await bot.waitForReplies('local:club', 1);
    expect(reply.text).toMatch(/^Started a fresh conversation/);
  });
});
