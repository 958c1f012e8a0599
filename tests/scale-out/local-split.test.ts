// The split set-up on one machine with the real commands, as docs/scaling-out.md tells
// people to run it: `babybot start --only channel` (its own embedded Temporal server) and
// `babybot worker --queues workflows,model,sandbox` with no TEMPORAL_ADDRESS, which finds
// that server at 127.0.0.1:TEMPORAL_PORT. The channel process polls no model queue, so
// a reply proves the worker did the work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { spawnBabyBot, type BabyBotProcess, ownerAuth } from '../support/babybot-process.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';

describe('`babybot start --only channel` with a `babybot worker` beside it', () => {
  let ollama: OllamaStub;
  let channel: BabyBotProcess;
  let worker: BabyBotProcess;
  let webChat: string;
  let temporalPort: number;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-local-split-'));
    temporalPort = await freePort();
    const env = {
      DATA_DIR: path.join(dir, 'data'),
      GROUPS_DIR: path.join(dir, 'groups'),
      HTTP_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_CLI: inject('temporalCli'),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(await freePort()),
      OLLAMA_HOST: ollama.url,
      CONTAINER_RUNTIME: 'none',
      WHATSAPP_ENABLED: 'off',
      LOG_LEVEL: 'warn',
    };
    // The worker needs the server up; before it is, it says what to do and exits.
    const early = spawnBabyBot(['worker', '--queues', 'model'], env);
    expect(await early.exited).toBe(1);
    expect(early.output()).toContain(`No Temporal server answers at 127.0.0.1:${temporalPort}`);
    expect(early.output()).toContain('Start BabyBot first (npm start)');

    // As in docker-compose.yml, the channel process has no Docker engine: it runs no sandbox steps.
    channel = spawnBabyBot(['start', '--only', 'channel'], { ...env, CONTAINER_RUNTIME: 'docker', DOCKER_HOST: `unix://${path.join(dir, 'no-docker.sock')}` });
    // The printed link carries the token in its fragment: the base is what comes before it.
    webChat = (await channel.waitFor(/Web chat:\s+(\S+?)\/#token=/, 90_000))[1];
    worker = spawnBabyBot(['worker', '--queues', 'workflows,model,sandbox'], env);
    await worker.waitFor(/BabyBot worker is running/, 90_000);
  }, 240_000);

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await channel?.kill('SIGTERM');
    await ollama?.close();
  });

  it('reports the channel process healthy without a sandbox engine', async () => {
    const res = await fetch(`${webChat}/api/health`);
    const report = (await res.json()) as { status: string; components: Record<string, unknown> };
    expect(res.status, JSON.stringify(report)).toBe(200);
    expect(Object.keys(report.components)).not.toContain('sandbox');
  });

  it('answers through the worker, then both stop cleanly on SIGTERM', async () => {
    const posted = await fetch(`${webChat}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownerAuth },
      body: JSON.stringify({ chat: 'main', text: 'split hello' }),
    });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };

    const deadline = Date.now() + 60_000;
    let replies: { text: string }[] = [];
    while (replies.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      const res = await fetch(`${webChat}/api/messages?chat=main`, { headers: ownerAuth });
      replies = ((await res.json()) as { messages: { text: string; fromAssistant: boolean }[] }).messages.filter((m) => m.fromAssistant);
    }
    expect(replies.map((r) => r.text)).toEqual(['echo: user: split hello']);

    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      const history = await new Client({ connection }).workflow.getHandle(turnWorkflowId('main', id)).fetchHistory();
      const identities = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.identity).filter(Boolean);
      expect(identities.some((i) => i!.endsWith(`:${worker.child.pid}:model`)), identities.join(', ')).toBe(true);
      expect(identities.some((i) => i!.endsWith(`:${channel.child.pid}:channel`)), identities.join(', ')).toBe(true);
    } finally {
      await connection.close();
    }

    expect(await worker.kill('SIGTERM')).toBe(0);
    expect(worker.output()).toMatch(/Stopped in [\d.]+s\./);
    expect(await channel.kill('SIGTERM')).toBe(0);
  }, 120_000);
});
