// The embedded Temporal server as a person meets it: `babybot start` on a fresh DATA_DIR,
// a workflow through the project's own workers, a stop, a start on the same SQLite file
// that still finds the earlier run, and a SIGKILL that leaves nothing behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { isAlive, spawnBabyBot, ownerAuth } from '../support/babybot-process.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';

describe('the embedded Temporal server', () => {
  let ollama: OllamaStub;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-embedded-'));
    env = {
      DATA_DIR: path.join(dir, 'data'),
      GROUPS_DIR: path.join(dir, 'groups'),
      HTTP_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_CLI: inject('temporalCli'),
      TEMPORAL_ADDRESS: '',
      OLLAMA_HOST: ollama.url,
      CONTAINER_RUNTIME: 'none',
      WHATSAPP_ENABLED: 'off',
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    await ollama?.close();
  });

  const post = async (text: string) => {
    const res = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownerAuth },
      body: JSON.stringify({ chat: 'main', text, id: `msg-${text.replace(/\W/g, '')}` }),
    });
    expect(res.status).toBe(202);
  };
  const replies = async () => {
    const res = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/messages?chat=main`, { headers: ownerAuth });
    const { messages } = (await res.json()) as { messages: { fromAssistant: boolean; text: string }[] };
    return messages.filter((m) => m.fromAssistant).map((m) => m.text);
  };
  const waitForReplies = async (count: number) => {
    for (let i = 0; i < 300; i++) {
      if ((await replies()).length >= count) return replies();
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${count} replies: ${JSON.stringify(await replies())}`);
  };
  const serverRecord = () => JSON.parse(fs.readFileSync(path.join(env.DATA_DIR, 'temporal-server.json'), 'utf8')) as { pid: number };

  it('starts, answers, stops on SIGTERM within seconds, and leaves no Temporal process', async () => {
    const bot = spawnBabyBot(['start'], env);
    await bot.waitFor(/BabyBot is running/, 90_000);
    expect(bot.output()).toContain(`Temporal Web UI:  http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
    const health = (await (await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const temporalPid = serverRecord().pid;
    await post('first run');
    expect(await waitForReplies(1)).toEqual(['echo: user: first run']);
    const stopping = Date.now();
    expect(await bot.kill('SIGTERM')).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(15_000);
    expect(isAlive(temporalPid)).toBe(false);
  });

  it('starts again on the same SQLite file and still finds the earlier workflow', async () => {
    const bot = spawnBabyBot(['start'], env);
    try {
      await bot.waitFor(/BabyBot is running/, 90_000);
      const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
      const client = new Client({ connection });
      const described = await client.workflow.getHandle('turn:main:msg-firstrun').describe();
      expect(described.status.name).toBe('COMPLETED');
      await connection.close();
    } finally {
      await bot.kill('SIGTERM');
    }
  });

  it('recovers after BabyBot is SIGKILLed: no orphaned server, no port left held', async () => {
    const bot = spawnBabyBot(['start'], env);
    await bot.waitFor(/BabyBot is running/, 90_000);
    const temporalPid = serverRecord().pid;
    await bot.kill('SIGKILL');
    // The watchdog sees BabyBot's pipe close and stops the server by itself.
    for (let i = 0; i < 100 && isAlive(temporalPid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(temporalPid)).toBe(false);

    const again = spawnBabyBot(['start'], env);
    try {
      await again.waitFor(/BabyBot is running/, 90_000);
      await post('after the crash');
      expect(await waitForReplies(2)).toEqual(['echo: user: first run', 'echo: user: after the crash']);
    } finally {
      await again.kill('SIGTERM');
    }
  });

  it('stops a server left running by a crashed BabyBot before starting its own', async () => {
    const bot = spawnBabyBot(['start'], env);
    await bot.waitFor(/BabyBot is running/, 90_000);
    const temporalPid = serverRecord().pid;
    // Simulate the worst case: the watchdog (and its pipe watcher) die with BabyBot, the server survives.
    const parentOf = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    const watchdogPid = parentOf(temporalPid);
    const watchers = fs
      .readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== temporalPid)
      .filter((entry) => {
        try {
          return parentOf(Number(entry)) === watchdogPid;
        } catch {
          return false;
        }
      });
    for (const pid of [...watchers.map(Number), watchdogPid]) process.kill(pid, 'SIGKILL');
    await bot.kill('SIGKILL');
    expect(isAlive(temporalPid)).toBe(true);

    const again = spawnBabyBot(['start'], env);
    try {
      await again.waitFor(/BabyBot is running/, 90_000);
      expect(again.output()).toContain(`left running by an earlier BabyBot (pid ${temporalPid})`);
      expect(isAlive(temporalPid)).toBe(false);
    } finally {
      await again.kill('SIGTERM');
    }
  });
});
