// Telegram's webhook mode (TELEGRAM_WEBHOOK_URL): BabyBot listens, registers its URL with a
// fresh random secret through setWebhook, and stores an update before answering 200. A post
// without that secret is refused and stores nothing; an update posted again (Telegram retries
// what it did not see answered) is stored once and answered once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { BotApiStandIn, OWNER, ownerChat } from './support/bot-api-stand-in.js';
import { FAST_BACKOFF, telegramEnv } from './support/env.js';

const OWNER_CHAT = `telegram:${OWNER.id}`;
const until = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000) => eventually(probe, { timeoutMs, what });

describe('Telegram by webhook', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const api = new BotApiStandIn();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    await api.start();
    const port = await freePort();
    bot = await startTestBot({
      ollama,
      workflowBundle: await bundleWorkflows(),
      env: telegramEnv(api, { TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram`, TELEGRAM_WEBHOOK_PORT: String(port) }),
      ...FAST_BACKOFF,
    });
    await until('the webhook set', async () => (await bot.health()).components.telegram?.ok);
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
    await api.close();
  });

  it('registers its URL with a random secret and never polls', async () => {
    expect((await bot.health()).components.telegram.detail).toMatch(/^webhook: as @baby_test_bot, updates posted to http:\/\/127\.0\.0\.1:\d+\/telegram$/);
    expect(api.webhook?.secret).toMatch(/^[\w-]{43}$/);
    expect(api.calls.filter((c) => c.method === 'getUpdates')).toHaveLength(0);
  });

  it('refuses a post without the secret, storing nothing', async () => {
    const forged = await api.postToWebhook({ chat: ownerChat, from: OWNER, text: 'forged' }, 'guessed-secret');
    const bare = await api.postToWebhook({ chat: ownerChat, from: OWNER, text: 'forged too' }, null);
    expect([forged.status, bare.status]).toEqual([401, 401]);
    expect(bot.messages(OWNER_CHAT)).toHaveLength(0);
  });

  it('stores an update before answering 200, once however often Telegram posts it, and answers once', async () => {
    const first = await api.postToWebhook({ chat: ownerChat, from: OWNER, text: 'hello by webhook' });
    expect(first.status).toBe(200);
    // Answered 200 only once stored.
    expect(bot.store.getMessage(OWNER_CHAT, String(first.messageId))?.text).toBe('hello by webhook');
    const again = await api.postToWebhook({ chat: ownerChat, from: OWNER, text: 'hello by webhook', message_id: first.messageId });
    expect(again.status).toBe(200);
    await until('the reply', () => api.sentTo(OWNER.id).length >= 1);
    await bot.groupIdle('telegram-main');
    expect(api.sentTo(OWNER.id).map((m) => m.text)).toEqual(['echo: Olive: hello by webhook']);
    expect(bot.messages(OWNER_CHAT).filter((m) => !m.fromAssistant)).toHaveLength(1);
  });
});
