// Kill BabyBot's process while three sub-agents are thinking, and start it again: Temporal
// retries each sub-agent's model step on the new worker, the turn reads all three results,
// and the chat gets one answer. Nothing is lost and nothing is done twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../lib/store/store.js';
import { spawnBabyBot, ownerAuth } from '../support/babybot-process.js';
import { OllamaStub, type ChatRequestBody } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { eventually } from '../support/eventually.js';
import { groupIdle } from '../support/group-idle.js';
import { claimNamespace, temporalAddress } from '../support/temporal.js';
import { testEnv } from '../support/test-bot.js';

const isSubAgent = (request: ChatRequestBody) => request.messages[1]?.content.includes('You are a sub-agent') ?? false;
const briefOf = (request: ChatRequestBody) => request.messages.at(-1)?.content ?? '';

describe('a worker killed mid-swarm', () => {
  let ollama: OllamaStub;
  let env: Record<string, string>;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-swarm-crash-'));
    env = testEnv(dir, claimNamespace(), ollama, { HTTP_PORT: String(await freePort()), LOG_LEVEL: 'warn', MAX_CONCURRENT_MODEL_CALLS: '4' });
  });
  afterAll(async () => {
    await ollama?.close();
  });

  async function replyTexts(): Promise<string[]> {
    const list = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/messages?chat=main`, { headers: ownerAuth });
    return ((await list.json()) as { messages: { fromAssistant: boolean; text: string }[] }).messages.filter((m) => m.fromAssistant).map((m) => m.text);
  }

  it('answers every sub-agent and the turn once after a restart', async () => {
    const asked = new Map<string, number>();
    ollama.setScript((request) => {
      if (isSubAgent(request)) {
        const brief = briefOf(request);
        asked.set(brief, (asked.get(brief) ?? 0) + 1);
        // The first attempt thinks past the crash; the retry on the new worker answers.
        return asked.get(brief) === 1 ? { content: 'never read', delayMs: 60_000 } : { content: `done: ${brief}` };
      }
      if (request.messages.at(-1)?.role === 'tool') return { content: `summary:\n${request.messages.at(-1)?.content}` };
      return { toolCalls: [{ name: 'delegate', arguments: { tasks: ['alpha', 'beta', 'gamma'].map((brief) => ({ brief })) } }] };
    });
    const first = spawnBabyBot(['start'], env);
    await first.waitFor(/BabyBot is running/);
    const res = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownerAuth },
      body: JSON.stringify({ chat: 'main', text: 'three things at once', id: 'swarm-crash' }),
    });
    expect(res.status).toBe(202);
    await eventually(() => asked.size === 3, { timeoutMs: 30_000, what: 'the three sub-agents to be thinking' });
    await first.kill('SIGKILL');

    const second = spawnBabyBot(['start'], env);
    try {
      await second.waitFor(/BabyBot is running/);
      const replies = await eventually(async () => {
        const texts = await replyTexts();
        return texts.length ? texts : undefined;
      }, { timeoutMs: 90_000, what: 'the answer after the restart' });
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatch(/^summary:\n3 sub-agent\(s\) finished:/);
      for (const brief of ['alpha', 'beta', 'gamma']) expect(replies[0]).toContain(`done: ${brief}`);
      const connection = await Connection.connect({ address: temporalAddress() });
      try {
        const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
        await client.workflow.getHandle('turn:main:swarm-crash').result();
        for (const n of [1, 2, 3]) expect((await client.workflow.getHandle(`agent:main:swarm-crash:${n}`).describe()).status.name).toBe('COMPLETED');
        await groupIdle(client, 'main');
      } finally {
        await connection.close();
      }
      expect(await replyTexts()).toHaveLength(1);
      // Each sub-agent's step: the killed attempt and its one retry; the parent delegated once.
      expect([...asked.values()]).toEqual([2, 2, 2]);
      expect(ollama.requests.filter((r) => !isSubAgent(r) && r.messages.at(-1)?.role !== 'tool')).toHaveLength(1);
    } finally {
      await second.kill('SIGTERM');
    }
    const store = Store.open(path.join(env.DATA_DIR, 'babybot.db'));
    try {
      expect(store.agentsOfTurn('turn:main:swarm-crash').map((row) => row.status)).toEqual(['answered', 'answered', 'answered']);
    } finally {
      store.close();
    }
  });
});
