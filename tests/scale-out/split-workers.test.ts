// The split deployment on one machine as it would run on several: this test process is
// the channel process (`startBabyBot` serving only the channel queue: store, HTTP API,
// channel activities), and two real `babybot worker --queues workflows,model,sandbox`
// child processes do everything else, all on one Temporal server. Killing a worker with
// SIGKILL mid-run must lose nothing and duplicate nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../lib/store/store.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import { spawnBabyBot, type BabyBotProcess } from '../support/babybot-process.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { claimNamespace } from '../support/temporal.js';
import { startTestBot, testEnv, type TestBot } from '../support/test-bot.js';

const GROUPS = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8'];
const PER_GROUP = 5;

describe('one channel process and two `babybot worker` processes', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const workers: BabyBotProcess[] = [];
  const posted = new Map<string, { folder: string; id: string; text: string }>();

  beforeAll(async () => {
    // The model takes a moment, as a real one does, so turns overlap across workers.
    ollama = await new OllamaStub().start();
    ollama.setScript(async (request) => ({ content: `echo: ${lastUserText(request)}`, delayMs: 250 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-scale-'));
    const namespace = claimNamespace();
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    const store = Store.open(path.join(dir, 'data', 'babybot.db'));
    for (const folder of GROUPS) {
      store.addGroup({ folder, jid: `local:${folder}`, name: folder, triggerWord: null, requiresTrigger: false, isMain: false });
    }
    store.close();

    const env = testEnv(dir, namespace, ollama);
    for (let i = 0; i < 2; i++) workers.push(spawnBabyBot(['worker', '--queues', 'workflows,model,sandbox'], env));
    await Promise.all(workers.map((w) => w.waitFor(/BabyBot worker is running/, 90_000)));
    bot = await startTestBot({ ollama, dir, namespace, serve: ['channel'] });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await bot?.stop();
    await ollama?.close();
  });

  /** Each group talks in turn (one message, wait for its answer), all groups at once. */
  async function converse(round: string, onReply?: (total: number) => void): Promise<void> {
    let total = 0;
    await Promise.all(
      GROUPS.map(async (folder) => {
        const chat = `local:${folder}`;
        for (let i = 1; i <= PER_GROUP; i++) {
          const before = bot.replies(chat).length;
          const text = `${round}-${folder}-${i}`;
          const { id } = await bot.post(folder, text);
          posted.set(text, { folder, id, text });
          await bot.waitForReplies(chat, before + 1, 90_000);
          onReply?.(++total);
        }
      }),
    );
  }

  /** Every message posted so far has exactly one reply, and no reply answers anything else. */
  async function expectEachAnsweredOnce(): Promise<void> {
    // Every group has nothing queued and no turn running: no further reply can come.
    for (const folder of GROUPS) await bot.groupIdle(folder);
    const replies = GROUPS.flatMap((folder) => bot.replies(`local:${folder}`).map((m) => m.text));
    const answered = replies.map((text) => /echo: .*?(\w+-g\d-\d)$/.exec(text)?.[1] ?? `unexpected: ${text}`);
    expect(answered.sort()).toEqual([...posted.keys()].sort());
  }

  async function historyOf(workflowId: string) {
    return (await bot.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  }

  it('answers 40 messages across 8 groups exactly once, with both workers running activities', async () => {
    await converse('first');
    await expectEachAnsweredOnce();
    expect(posted.size).toBe(GROUPS.length * PER_GROUP);

    const activityIdentities = new Set<string>();
    const buildIds = new Set<string>();
    for (const { folder, id } of posted.values()) {
      for (const event of await historyOf(turnWorkflowId(folder, id))) {
        const identity = event.activityTaskStartedEventAttributes?.identity;
        if (identity) activityIdentities.add(identity);
        const build = event.workflowTaskCompletedEventAttributes?.workerVersion?.buildId;
        if (build) buildIds.add(build);
      }
    }
    const pids = workers.map((w) => w.child.pid);
    for (const pid of pids) {
      expect([...activityIdentities].some((identity) => identity.endsWith(`:${pid}:model`)), `worker ${pid} ran model activities: ${[...activityIdentities].join(', ')}`).toBe(true);
    }
    // The channel activities ran in this process, the channel process.
    expect([...activityIdentities].some((identity) => identity.endsWith(`:${process.pid}:channel`))).toBe(true);
    // The build id (version + commit) is on every workflow task, as the Web UI shows it.
    expect([...buildIds]).toHaveLength(1);
    expect([...buildIds][0]).toMatch(/^babybot@\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  }, 180_000);

  it('loses and duplicates nothing when one worker is killed mid-run', async () => {
    const [victim, survivor] = workers;
    let killed = false;
    await converse('second', (total) => {
      if (total === 12 && !killed) {
        killed = true;
        victim.child.kill('SIGKILL');
      }
    });
    expect(killed).toBe(true);
    expect(await victim.exited).not.toBe(0);
    await expectEachAnsweredOnce();
    expect(posted.size).toBe(2 * GROUPS.length * PER_GROUP);

    // After the kill, the survivor did the work the victim left behind.
    const late = [...posted.values()].filter((m) => m.text.startsWith('second-') && m.text.endsWith(`-${PER_GROUP}`));
    for (const { folder, id } of late) {
      const identities = (await historyOf(turnWorkflowId(folder, id)))
        .map((e) => e.activityTaskStartedEventAttributes?.identity)
        .filter((identity) => identity?.endsWith(':model'));
      expect(identities.every((identity) => identity!.includes(`:${survivor.child.pid}:`))).toBe(true);
    }
  }, 240_000);
});
