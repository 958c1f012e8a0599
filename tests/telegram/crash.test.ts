// Real crashes of a real BabyBot process (SIGKILL) with Telegram on: between receiving an
// update and storing it (its photo still downloading), the update comes again after the
// restart and is stored once; in the middle of a turn (the model thinking), the reply is
// sent once after the restart. The bot token never appears in the processes' logs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../lib/store/store.js';
import { photo } from '../media/support.js';
import { spawnBabyBot, type BabyBotProcess } from '../support/babybot-process.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { claimNamespace } from '../support/temporal.js';
import { testEnv } from '../support/test-bot.js';
import { BotApiStandIn, OWNER, ownerChat, TOKEN } from './support/bot-api-stand-in.js';
import { telegramEnv } from './support/env.js';

const OWNER_CHAT = `telegram:${OWNER.id}`;
const until = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000) => eventually(probe, { timeoutMs, what });

describe('Telegram across crashes of the BabyBot process', () => {
  let ollama: OllamaStub;
  const api = new BotApiStandIn();
  let env: Record<string, string>;
  let dataDir: string;
  const processes: BabyBotProcess[] = [];
  const start = async () => {
    const bot = spawnBabyBot(['start'], env);
    processes.push(bot);
    await bot.waitFor(/BabyBot is running/);
    return bot;
  };
  /** The store as the crashed process left it (opened from this test process, then closed). */
  const inStore = <T>(read: (store: Store) => T): T => {
    const store = Store.openIn(dataDir);
    try {
      return read(store);
    } finally {
      store.close();
    }
  };

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    await api.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-tg-crash-'));
    dataDir = path.join(dir, 'data');
    env = testEnv(dir, claimNamespace(), ollama, { HTTP_PORT: String(await freePort()), LOG_LEVEL: 'debug', ...telegramEnv(api) });
  });
  afterAll(async () => {
    for (const bot of processes) await bot.kill('SIGKILL');
    await ollama?.close();
    await api.close();
  });

  it('a crash between receiving an update and storing it: the update comes again and is stored once', async () => {
    const first = await start();
    const jpeg = await photo(640, 480);
    api.addFile('PHOTO1', jpeg, 'photos/file_1.jpg');
    api.holdFiles = true;
    const { updateId, messageId } = api.push({
      chat: ownerChat,
      from: OWNER,
      caption: 'what is this?',
      photo: [{ file_id: 'PHOTO1', file_unique_id: 'uP1', width: 640, height: 480, file_size: jpeg.length }],
    });
    // Received: BabyBot is downloading its photo, so the message is not stored yet.
    await until('the download to start', () => api.fileRequests.length === 1);
    await first.kill('SIGKILL');
    expect(inStore((store) => store.getMessage(OWNER_CHAT, String(messageId)))).toBeUndefined();
    expect(Number(inStore((store) => store.channelState('telegram:offset')) ?? 0)).toBeLessThanOrEqual(updateId);

    api.holdFiles = false;
    const offsetsBefore = api.offsets.length;
    await start();
    await until('the reply after the restart', () => api.sentTo(OWNER.id).length >= 1);
    // The restarted process asked from an offset that had not confirmed the update: it came again.
    expect(api.offsets.slice(offsetsBefore)[0] ?? 0).toBeLessThanOrEqual(updateId);
    expect(api.fileRequests).toEqual(['photos/file_1.jpg', 'photos/file_1.jpg']);
    await until('the offset past the update', () => Number(inStore((store) => store.channelState('telegram:offset'))) === updateId + 1);
    const stored = inStore((store) => store.messagesSince(OWNER_CHAT).filter((m) => !m.fromAssistant));
    expect(stored.map((m) => m.id)).toEqual([String(messageId)]);
    expect(stored[0].text).toBe(`[photo: media/${messageId}.jpg] what is this?`);
    expect(inStore((store) => store.media(OWNER_CHAT, String(messageId)))).toMatchObject({ kind: 'image', status: 'saved', bytes: jpeg.length });
    expect(api.sentTo(OWNER.id).map((m) => m.text)).toEqual([expect.stringContaining(`[photo: media/${messageId}.jpg`)]);
  });

  it('a crash in the middle of a turn: after the restart the reply is sent once', async () => {
    ollama.setScript((request) =>
      request.messages.some((m) => m.content.includes('think hard')) && ollama.requests.filter((r) => r.messages.some((m) => m.content.includes('think hard'))).length === 1
        ? { content: 'never sent', delayMs: 60_000 }
        : { content: 'the one reply' },
    );
    const before = api.sentTo(OWNER.id).length;
    api.push({ chat: ownerChat, from: OWNER, text: 'think hard' });
    await until('the model to be asked', () => ollama.requests.some((r) => r.messages.some((m) => m.content.includes('think hard'))));
    await processes.at(-1)!.kill('SIGKILL');
    await start();
    await until('the reply after the restart', () => api.sentTo(OWNER.id).length > before, 90_000);
    // Time for any second send to show.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(api.sentTo(OWNER.id).slice(before).map((m) => m.text)).toEqual(['the one reply']);
  }, 120_000);

  it('a stop (SIGTERM) while a file downloads does not store the message half-done: it comes again with its file', async () => {
    const jpeg = await photo(320, 240);
    api.addFile('PHOTO3', jpeg, 'photos/file_3.jpg');
    api.holdFiles = true;
    const requestsBefore = api.fileRequests.length;
    const { messageId } = api.push({ chat: ownerChat, from: OWNER, photo: [{ file_id: 'PHOTO3', file_unique_id: 'uP3', width: 320, height: 240, file_size: jpeg.length }] });
    await until('the download to start', () => api.fileRequests.length === requestsBefore + 1);
    expect(await processes.at(-1)!.kill('SIGTERM')).toBe(0);
    expect(inStore((store) => store.getMessage(OWNER_CHAT, String(messageId)))).toBeUndefined();
    api.holdFiles = false;
    const sentBefore = api.sentTo(OWNER.id).length;
    await start();
    await until('the reply after the restart', () => api.sentTo(OWNER.id).length > sentBefore);
    expect(inStore((store) => store.media(OWNER_CHAT, String(messageId)))).toMatchObject({ kind: 'image', status: 'saved', bytes: jpeg.length });
  }, 120_000);

  it('the bot token never reached a log line (LOG_LEVEL=debug, four processes)', () => {
    const output = processes.map((p) => p.output()).join('\n');
    expect(output).toMatch(/Telegram: connected as @baby_test_bot/);
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(TOKEN.split(':')[1]);
  });
});
