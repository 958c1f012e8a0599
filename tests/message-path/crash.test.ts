// Kill the BabyBot process in the middle of a turn (while the model is thinking) and start
// it again: Temporal retries the model step on the new worker, and the reply is delivered
// exactly once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../lib/store/store.js';
import { spawnBabyBot, ownerAuth } from '../support/babybot-process.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { eventually } from '../support/eventually.js';
import { groupIdle } from '../support/group-idle.js';
import { claimNamespace, temporalAddress } from '../support/temporal.js';
import { testEnv } from '../support/test-bot.js';

describe('a worker killed mid-turn', () => {
  let ollama: OllamaStub;
  let env: Record<string, string>;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-crash-'));
    // A fixed port: the restarted process must answer where the first one did.
    env = testEnv(dir, claimNamespace(), ollama, { HTTP_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await ollama?.close();
  });

  /** The main chat's replies, as the running process's local API lists them. */
  async function replyTexts(): Promise<string[]> {
    const list = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/messages?chat=main`, { headers: ownerAuth });
    return ((await list.json()) as { messages: { fromAssistant: boolean; text: string }[] }).messages.filter((m) => m.fromAssistant).map((m) => m.text);
  }

  it('completes the turn after a restart and delivers the reply exactly once', async () => {
    ollama.setScript((_request, index) => (index === 0 ? { content: 'never sent', delayMs: 60_000 } : { content: 'the one reply' }));
    const first = spawnBabyBot(['start'], env);
    await first.waitFor(/BabyBot is running/);
    const res = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownerAuth },
      body: JSON.stringify({ chat: 'main', text: 'think hard', id: 'crash-1' }),
    });
    expect(res.status).toBe(202);
    await eventually(() => ollama.requests.length > 0, { timeoutMs: 10_000, what: 'the model to be asked' });
    expect(ollama.requests).toHaveLength(1); // the model is thinking now
    await first.kill('SIGKILL');

    const second = spawnBabyBot(['start'], env);
    try {
      await second.waitFor(/BabyBot is running/);
      const replies = await eventually(async () => {
        const texts = await replyTexts();
        return texts.length ? texts : undefined;
      }, {
        timeoutMs: 60_000,
        what: 'the reply after the restart',
      });
      expect(replies).toEqual(['the one reply']);
      // The turn has ended and the group runs nothing else: no second reply can come.
      const connection = await Connection.connect({ address: temporalAddress() });
      try {
        const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
        await client.workflow.getHandle('turn:main:crash-1').result();
        await groupIdle(client, 'main');
      } finally {
        await connection.close();
      }
      expect(await replyTexts()).toHaveLength(1);
      expect(ollama.requests).toHaveLength(2);
    } finally {
      await second.kill('SIGTERM');
    }
  });

  it('hands over, at the next start, a message that was stored but never reached Temporal', async () => {
    // A crash between storing and signalWithStart leaves the message 'pending' in the store.
    const store = Store.open(path.join(env.DATA_DIR, 'babybot.db'));
    store.insertMessage({ chat: 'local:main', id: 'stored-only', sender: 'user', text: 'lost?', timestamp: new Date().toISOString() }, 'pending');
    store.close();
    ollama.setScript(() => ({ content: 'not lost' }));
    const bot = spawnBabyBot(['start'], env);
    try {
      await bot.waitFor(/BabyBot is running/);
      await eventually(async () => (await replyTexts()).includes('not lost'), { timeoutMs: 30_000, what: 'the pending message to be answered' });
    } finally {
      await bot.kill('SIGTERM');
    }
  });
});
