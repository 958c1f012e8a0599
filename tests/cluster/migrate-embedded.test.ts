// `babybot migrate-embedded --to ADDRESS`: an installation that ran on the embedded server
// moves to the real cluster with its task (a Schedule) and the messages its group workflow
// had accepted but not answered; a message answered before the move is not answered again.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { startTestBot, testEnv, type TestBot } from '../support/test-bot.js';
import { clusterFromEnv, lockCluster, type Cluster } from './cluster.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const cluster = clusterFromEnv();

describe.skipIf(cluster === undefined)('babybot migrate-embedded', { timeout: 300_000 }, () => {
  const c = cluster as Cluster;
  let ollama: OllamaStub;
  let bot: TestBot | undefined;
  let dir: string;
  // Fresh on the cluster too: the command creates it there.
  const namespace = `migrated-${Date.now().toString(36)}`;
  let embedded: Record<string, string>;
  let taskId: string;
  let unlock: (() => void) | undefined;

  const babybot = (env: Record<string, string>, ...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'bin/babybot.js'), ...args], { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    unlock = await lockCluster(c);
    ollama = await new OllamaStub().start();
    const workflowBundle = await bundleWorkflows();
    const own = { TEMPORAL_ADDRESS: '', TEMPORAL_CLI: inject('temporalCli'), TEMPORAL_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()) };
    // 1. The embedded installation answers one message, and has a task.
    bot = await startTestBot({ ollama, namespace, workflowBundle, env: own });
    dir = bot.dir;
    embedded = testEnv(dir, namespace, ollama, own);
    await bot.post('main', 'before the move', { id: 'before-1' });
    await bot.waitForReplies('local:main', 1);
    const added = await babybot(embedded, 'tasks', 'add', '--group', 'main', '--cron', '0 9 * * *', '--prompt', 'morning summary');
    expect(added.code, added.stderr).toBe(0);
    taskId = added.stdout.split('\n')[0].trim();
    const refused = await babybot(embedded, 'migrate-embedded', '--to', c.address);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('stop BabyBot first');
    await bot.stop();

    // 2. Two messages reach the group workflow, but no worker takes them before BabyBot stops.
    bot = await startTestBot({ ollama, dir, namespace, workflowBundle, serve: ['channel'], env: own });
    await bot.post('main', 'during the move 1', { id: 'during-1' });
    await bot.post('main', 'during the move 2', { id: 'during-2' });
    expect(bot.store.pendingHandoffs()).toEqual([]);
    await bot.stop();
    bot = undefined;
  }, 1_200_000);

  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
    unlock?.();
  });

  it('moves the task and the unanswered messages, says that history stays behind, and the cluster answers them once', async () => {
    const moved = await babybot(embedded, 'migrate-embedded', '--to', c.address);
    expect(moved.code, moved.stderr).toBe(0);
    console.log(moved.stdout);
    expect(moved.stdout).toContain('schedules (tasks): 1 copied');
    expect(moved.stdout).toContain('unanswered messages: 2 handed to the cluster');
    expect(moved.stdout).toContain("Closed runs' history stays behind");
    expect(moved.stdout).toContain(`Next: start BabyBot with TEMPORAL_ADDRESS=${c.address} TEMPORAL_NAMESPACE=${namespace}`);

    const connection = await Connection.connect({ address: c.address });
    try {
      const client = new Client({ connection, namespace });
      const task = await client.schedule.getHandle(taskId).describe();
      expect(task.state.paused).toBe(false);
      expect(task.spec.calendars?.[0]?.hour).toEqual([{ start: 9, end: 9, step: 1 }]);

      // BabyBot on the cluster, the same folders: the two are answered, the earlier one is not again.
      bot = await startTestBot({ ollama, dir, namespace, workflowBundle: await bundleWorkflows(), env: { TEMPORAL_ADDRESS: c.address } });
      const texts = () => bot!.replies('local:main').map((m) => m.text);
      for (const deadline = Date.now() + 120_000; !texts().some((t) => t.includes('during the move 2')); await new Promise((r) => setTimeout(r, 200))) {
        if (Date.now() > deadline) throw new Error(`the moved messages were not answered: ${JSON.stringify(texts())}`);
      }
      // Time for a duplicate to show up, were there one.
      await new Promise((r) => setTimeout(r, 3000));
      expect(texts().filter((t) => t.includes('before the move'))).toHaveLength(1);
      expect(texts().filter((t) => t.includes('during the move 2'))).toHaveLength(1);
      expect(new Set(texts()).size).toBe(texts().length);
    } finally {
      await connection.close();
    }

    // Run again: nothing is copied twice, and the embedded task stays paused.
    await bot!.stop();
    bot = undefined;
    const again = await babybot(embedded, 'migrate-embedded', '--to', c.address);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('schedules (tasks): 0 copied, 1 already there');
    expect(again.stdout).toContain('unanswered messages: 0 handed');
  });
});
