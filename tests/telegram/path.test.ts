// Telegram through a running BabyBot: grammY against the tests' own Bot API server (real
// Bot API JSON over HTTP), real Temporal, real SQLite, the real workers; only the model is
// the stub. The owner's private chat is a main chat; a registered group answers when called
// (@botusername, the assistant's name, a reply to the bot); long replies are split at
// Telegram's 4,096 characters; a 429 on send is waited out as Telegram asks; a failed turn
// is told with its run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageTurnWorkflowId } from '../../contracts/ids.js';
import { registerGroup } from '../../lib/group-registration.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub, withoutTimeNote } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { ALICE, BOT_ID, BOT_USERNAME, BotApiStandIn, FAMILY, OWNER, ownerChat } from './support/bot-api-stand-in.js';
import { FAST_BACKOFF, telegramEnv } from './support/env.js';

const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000) => eventually(probe, { timeoutMs, what });
const FAMILY_CHAT = `telegram:${FAMILY.id}`;
const OWNER_CHAT = `telegram:${OWNER.id}`;

describe('Telegram through a running BabyBot', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const api = new BotApiStandIn();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    await api.start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: telegramEnv(api), ...FAST_BACKOFF });
    await until('Telegram polling', async () => (await bot.health()).components.telegram?.ok);
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
    await api.close();
  });

  it("answers the owner's private chat (a main chat) once, showing typing while the turn runs", async () => {
    expect(bot.store.groupByJid(OWNER_CHAT)).toMatchObject({ folder: 'telegram-main', isMain: true });
    const { messageId } = api.push({ chat: ownerChat, from: OWNER, text: 'what is on today?' });
    await until('the reply', () => api.sentTo(OWNER.id).length >= 1);
    await bot.client.workflow.getHandle(messageTurnWorkflowId('telegram-main', OWNER_CHAT, String(messageId))).result();
    await bot.groupIdle('telegram-main');
    // The owner is the owner: not tagged as a member.
    expect(api.sentTo(OWNER.id).map((m) => m.text)).toEqual(['echo: Olive: what is on today?']);
    expect(api.chatActions).toContainEqual({ chatId: OWNER.id, action: 'typing' });
    expect(bot.replies(OWNER_CHAT)).toHaveLength(1);
  });

  it('a group message without the trigger is context only; @botusername, the assistant name and a reply to the bot call it', async () => {
    api.push({ chat: FAMILY, from: ALICE, text: 'hello everyone' });
    await until('the group seen', () => bot.store.listChats().find((c) => c.jid === FAMILY_CHAT));
    registerGroup(bot.store, { jid: FAMILY_CHAT, folder: 'family' });
    const requestsBefore = ollama.requests.length;
    const quiet = api.push({ chat: FAMILY, from: ALICE, text: 'the train leaves at 9:15' });
    await until('stored', () => bot.store.getMessage(FAMILY_CHAT, String(quiet.messageId)));
    expect(bot.store.getMessage(FAMILY_CHAT, String(quiet.messageId))?.handoff).toBe('none');

    api.push({ chat: FAMILY, from: ALICE, text: `@${BOT_USERNAME} when does the train leave?` });
    await until('the first group reply', () => api.sentTo(FAMILY.id).length === 1);
    api.push({ chat: FAMILY, from: ALICE, text: '@Baby and the way back?' });
    await until('the second group reply', () => api.sentTo(FAMILY.id).length === 2);
    const botMessage = api.sentTo(FAMILY.id)[1];
    api.push({
      chat: FAMILY,
      from: ALICE,
      text: 'thanks, and on Sunday?',
      reply_to_message: { message_id: botMessage.messageId, date: 1, chat: FAMILY, from: { id: BOT_ID, is_bot: true, first_name: 'Baby' }, text: botMessage.text },
    });
    await until('the third group reply', () => api.sentTo(FAMILY.id).length === 3);
    await bot.groupIdle('family');
    expect(ollama.requests.length).toBe(requestsBefore + 3);
    const contents = ollama.requests[requestsBefore].messages.map((m) => withoutTimeNote(m.content));
    // Alice is not the owner: tagged with her id; the untriggered message is in the context.
    expect(contents).toContain(`[member] Alice: the train leaves at 9:15`);
    expect(contents).toContain(`[member] Alice: @${BOT_USERNAME} when does the train leave?`);
    expect(api.sentTo(FAMILY.id)[2].text).toMatch(new RegExp(`^echo: \\[member\\] Alice: \\(replying to: echo: .*\\) thanks, and on Sunday\\?$`));
  });

  it('a long reply is split at 4,096 characters, each part sent once', async () => {
    const long = Array.from({ length: 150 }, (_, i) => `Sentence number ${i} of a long answer, with some words to fill it.`).join(' ');
    ollama.setReplies({ content: long });
    const before = api.sentTo(OWNER.id).length;
    api.push({ chat: ownerChat, from: OWNER, text: 'tell me everything' });
    await until('the reply stored', () => bot.replies(OWNER_CHAT).some((r) => r.text === long));
    await bot.groupIdle('telegram-main');
    const parts = api.sentTo(OWNER.id).slice(before);
    expect(long.length).toBeGreaterThan(8192);
    expect(parts.length).toBe(3);
    for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(4096);
    expect(parts.map((p) => p.text).join(' ')).toBe(long);
  });

  it("a 429 on send is honoured: the next attempt waits Telegram's retry_after, and the reply is sent once", async () => {
    api.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 4', parameters: { retry_after: 4 } });
    const before = api.sentTo(OWNER.id).length;
    api.push({ chat: ownerChat, from: OWNER, text: 'are you busy?' });
    await until('the reply after the wait', () => api.sentTo(OWNER.id).length > before, 40_000);
    await bot.groupIdle('telegram-main');
    const sends = api.calls.filter((c) => c.method === 'sendMessage');
    const refused = sends.at(-2)!;
    const accepted = sends.at(-1)!;
    // No attempt in between: the delivery's own retry (1 s) waited for Telegram's 4 s.
    expect(accepted.at - refused.at).toBeGreaterThanOrEqual(3900);
    expect(api.sentTo(OWNER.id).slice(before).map((m) => m.text)).toEqual(['echo: Olive: are you busy?']);
    expect(bot.replies(OWNER_CHAT).at(-1)?.text).toBe('echo: Olive: are you busy?');
  });

  it('a failed turn is told in the chat, naming its run', async () => {
    ollama.setReplies({ status: 400, error: 'invalid tool schema' });
    const before = api.sentTo(OWNER.id).length;
    api.push({ chat: ownerChat, from: OWNER, text: 'this will fail' });
    await until('the notice', () => api.sentTo(OWNER.id).length > before);
    await bot.groupIdle('telegram-main');
    const notices = api.sentTo(OWNER.id).slice(before).map((m) => m.text);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('Sorry, I could not answer that: Ollama rejected the request (400): invalid tool schema');
    expect(notices[0]).toMatch(/\nRun: turn:telegram-main:/);
  });

  it('/status@botusername in a group is the chat command, needing no trigger', async () => {
    const before = api.sentTo(FAMILY.id).length;
    const requests = ollama.requests.length;
    api.push({ chat: FAMILY, from: ALICE, text: `/status@${BOT_USERNAME}` });
    await until('the command reply', () => api.sentTo(FAMILY.id).length > before);
    expect(ollama.requests.length).toBe(requests);
  });
});
