// `babybot telegram link` (a real CLI process) against a running BabyBot without
// TELEGRAM_OWNER_ID: a wrong code links nobody; the code it shows, sent to the bot in a
// private chat, makes the sender the owner, their chat the main chat, and is not stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { spawnBabyBot } from '../support/babybot-process.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, testEnv, type TestBot } from '../support/test-bot.js';
import { ALICE, BotApiStandIn, FAMILY } from './support/bot-api-stand-in.js';
import { FAST_BACKOFF, telegramEnv } from './support/env.js';

const NEW_OWNER = { id: 2002, is_bot: false, first_name: 'Nora' };
const STRANGER = { id: 3003, is_bot: false, first_name: 'Sam' };
const privateChat = (user: { id: number; first_name: string }) => ({ id: user.id, type: 'private', first_name: user.first_name });
const until = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000) => eventually(probe, { timeoutMs, what });

describe('babybot telegram link', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const api = new BotApiStandIn();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    await api.start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: telegramEnv(api, { TELEGRAM_OWNER_ID: '' }), ...FAST_BACKOFF });
    await until('Telegram polling', async () => (await bot.health()).components.telegram?.ok);
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
    await api.close();
  });

  it('links the sender of the one-time code, and only them', async () => {
    expect(bot.store.groupByFolder('telegram-main')).toBeUndefined();
    const cli = spawnBabyBot(['telegram', 'link'], testEnv(bot.dir, bot.namespace, ollama, telegramEnv(api, { TELEGRAM_OWNER_ID: '' })));
    const code = (await cli.waitFor(/^ {4}([0-9a-f]{12})$/m))[1];
    expect(cli.output()).toContain('Send this code to @baby_test_bot in a private chat');

    const wrong = api.push({ chat: privateChat(STRANGER), from: STRANGER, text: '000000000000' });
    await until('the wrong code stored as a message', () => bot.store.getMessage(`telegram:${STRANGER.id}`, String(wrong.messageId)));
    expect(bot.store.channelState('telegram:owner')).toBeUndefined();

    const right = api.push({ chat: privateChat(NEW_OWNER), from: NEW_OWNER, text: code });
    await cli.waitFor(/Linked: Telegram user 2002 is the owner/);
    expect(await cli.exited).toBe(0);
    expect(bot.store.groupByJid('telegram:2002')).toMatchObject({ folder: 'telegram-main', isMain: true });
    await until('the confirmation', () => api.sentTo(NEW_OWNER.id).length === 1);
    // The code is no message: not stored, not answered by the model.
    expect(bot.store.getMessage('telegram:2002', String(right.messageId))).toBeUndefined();
    expect(ollama.requests).toHaveLength(0);

    // Used up: the same code from the stranger links nobody.
    api.push({ chat: privateChat(STRANGER), from: STRANGER, text: code });
    api.push({ chat: privateChat(NEW_OWNER), from: NEW_OWNER, text: 'hello' });
    await until('the owner answered in the main chat', () => api.sentTo(NEW_OWNER.id).length === 2);
    expect(api.sentTo(NEW_OWNER.id)[1].text).toBe('echo: Nora: hello');
    expect(bot.store.channelState('telegram:owner')).toBe('2002');
    expect(api.sentTo(STRANGER.id)).toHaveLength(0);
  });

  it('`groups list` shows Telegram chats, and `groups add` registers a Telegram group', async () => {
    const env = testEnv(bot.dir, bot.namespace, ollama, telegramEnv(api, { TELEGRAM_OWNER_ID: '' }));
    api.push({ chat: FAMILY, from: ALICE, text: 'hello all' });
    await until('the group seen', () => bot.store.listChats().find((c) => c.jid === `telegram:${FAMILY.id}`));
    const add = spawnBabyBot(['groups', 'add', `telegram:${FAMILY.id}`, 'family'], env);
    expect(await add.exited, add.output()).toBe(0);
    const list = spawnBabyBot(['groups', 'list'], env);
    expect(await list.exited, list.output()).toBe(0);
    expect(list.output()).toContain(`telegram:${FAMILY.id}`);
    expect(list.output()).toContain('Family');
    expect(list.output()).toContain('telegram:2002');
    expect(list.output()).toContain('telegram-main');
    expect(bot.store.groupByJid(`telegram:${FAMILY.id}`)).toMatchObject({ folder: 'family', requiresTrigger: true });
  });
});
