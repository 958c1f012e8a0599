// Fault: BabyBot restarts with messages stored but not yet handed to Temporal (a crash
// between storing and signalWithStart), and new messages arrive the moment it is back.
// Before: the HTTP server listened before the stored ones were handed over, so a new
// message could get its turn before an older one. Now the stored messages are handed over
// first, and the channels accept new ones only then: the turns run in chat order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../lib/store/store.js';
import { spawnBabyBot, ownerAuth } from '../support/babybot-process.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { claimNamespace } from '../support/temporal.js';
import { testEnv } from '../support/test-bot.js';
import { until } from './support/faults.js';

describe('a restart with pending stored messages while new ones arrive', () => {
  let ollama: OllamaStub;
  let env: Record<string, string>;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-fault-order-'));
    env = testEnv(dir, claimNamespace(), ollama, { HTTP_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await ollama?.close();
  });

  it('runs the turns in chat order', async () => {
    // Two messages stored by a process that died before handing them over.
    const store = Store.open(path.join(env.DATA_DIR, 'babybot.db'));
    store.ensureMainGroup();
    const at = new Date().toISOString();
    store.insertMessage({ chat: 'local:main', id: 'old-1', sender: 'user', text: 'old one', timestamp: at }, 'pending');
    store.insertMessage({ chat: 'local:main', id: 'old-2', sender: 'user', text: 'old two', timestamp: at }, 'pending');
    store.close();
    ollama.setScript((request) => ({ content: `answer to ${lastUserText(request)}`, delayMs: 300 }));

    const bot = spawnBabyBot(['start'], env);
    try {
      // A new message is posted as soon as anything accepts it.
      const url = `http://127.0.0.1:${env.HTTP_PORT}/api/messages`;
      await until('the API to accept a new message', async () => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...ownerAuth },
          body: JSON.stringify({ chat: 'main', text: 'new one', id: 'new-1' }),
        }).catch(() => undefined);
        return res?.status === 202;
      }, 60_000);
      await until('every message answered', () => ollama.requests.length >= 1 && ollama.requests.some((r) => lastUserText(r).includes('new one')), 30_000);
      const asked = ollama.requests.map((request) => request.messages.filter((m) => m.role === 'user').map((m) => m.content).join(' | '));
      const first = (text: string) => asked.findIndex((prompt) => prompt.includes(text));
      expect(first('old one')).toBeGreaterThanOrEqual(0);
      // The new message is never answered in a turn before the stored ones, and never without them before it.
      expect(first('old one')).toBeLessThanOrEqual(first('new one'));
      expect(first('old two')).toBeLessThanOrEqual(first('new one'));
      const newTurn = asked[first('new one')];
      expect(newTurn.indexOf('old two')).toBeLessThan(newTurn.indexOf('new one'));
      console.log(`model prompts in order: ${JSON.stringify(asked)}`);
    } finally {
      await bot.kill('SIGTERM');
    }
  });
});
