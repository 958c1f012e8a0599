// BabyBot on a real multi-service Temporal cluster (PostgreSQL persistence and SQL
// visibility, 4 history shards, frontend/history/matching/worker as separate processes),
// deployed as the README's "Moving from the embedded server" says: one
// `babybot start --only channel` and two `babybot worker` processes, TEMPORAL_ADDRESS at the
// cluster. The cluster's services are SIGKILLed and restarted one by one while groups talk;
// every message is answered exactly once, in order. Then a full cluster restart, after
// which a Schedule still fires; then the failed-run tools against SQL visibility.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../lib/store/store.js';
import { ownerAuth, spawnBabyBot, type BabyBotProcess } from '../support/babybot-process.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { testEnv } from '../support/test-bot.js';
import { clusterFromEnv, createNamespace, lockCluster, service, type Cluster, type ClusterService } from './cluster.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GROUPS = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8'];
const PER_GROUP = 5;
/** After how many answers each fault strikes (40 in all). */
const FAULTS: { after: number; name: Exclude<ClusterService, 'all'> }[] = [
  { after: 4, name: 'history' },
  { after: 12, name: 'matching' },
  { after: 20, name: 'frontend' },
  { after: 28, name: 'postgresql' },
];

interface Reply {
  seq: number;
  text: string;
  fromAssistant: boolean;
}

const cluster = clusterFromEnv();

describe.skipIf(cluster === undefined)('BabyBot on a multi-service Temporal cluster', { timeout: 600_000 }, () => {
  const c = cluster as Cluster;
  let ollama: OllamaStub;
  let dir: string;
  let namespace: string;
  let env: Record<string, string>;
  let channel: BabyBotProcess;
  let url: string;
  const workers: BabyBotProcess[] = [];
  let connection: Connection;
  let client: Client;
  let modelBroken = true;
  let unlock: (() => void) | undefined;

  /** Runs `babybot ARGS` as a person would, in the installation's folder. */
  const babybot = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'bin/babybot.js'), ...args], { cwd: dir, env: { ...process.env, ...env }, timeout: 90_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  const post = async (folder: string, text: string): Promise<string> => {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownerAuth },
      body: JSON.stringify({ chat: folder, text }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  const replies = async (folder: string): Promise<Reply[]> => {
    const res = await fetch(`${url}/api/messages?chat=${folder}`, { headers: ownerAuth });
    const { messages } = (await res.json()) as { messages: Reply[] };
    return messages.filter((m) => m.fromAssistant);
  };
  const waitForReplies = async (folder: string, count: number, timeoutMs = 240_000): Promise<Reply[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await replies(folder);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`${folder}: ${found.length} replies after ${timeoutMs} ms, expected ${count}: ${JSON.stringify(found.map((m) => m.text))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    unlock = await lockCluster(c);
    namespace = await createNamespace(c, 'cluster-faults');
    ollama = await new OllamaStub().start();
    // The model takes a moment, as a real one does, so turns are in flight when a service dies.
    ollama.setScript((request) =>
      modelBroken && /weather/.test(lastUserText(request))
        ? { status: 400, error: 'invalid tool schema in request' }
        : { content: `echo: ${lastUserText(request)}`, delayMs: 300 },
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-cluster-'));
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    const store = Store.open(path.join(dir, 'data', 'babybot.db'));
    for (const folder of GROUPS) {
      store.addGroup({ folder, jid: `local:${folder}`, name: folder, triggerWord: null, requiresTrigger: false, isMain: false });
    }
    store.close();

    env = testEnv(dir, namespace, ollama, { TEMPORAL_ADDRESS: c.address, TEMPORAL_UI_URL: c.uiUrl });
    // The README's order: the channel process first (it registers the search attributes), then the workers.
    channel = spawnBabyBot(['start', '--only', 'channel'], env);
    url = (await channel.waitFor(/Web chat:\s+(http:\/\/\S+?)\/#token=/, 120_000))[1];
    expect(channel.output()).toContain(`Temporal server:  ${c.address} (external)`);
    for (let i = 0; i < 2; i++) workers.push(spawnBabyBot(['worker', '--queues', 'workflows,model,sandbox'], env));
    await Promise.all(workers.map((w) => w.waitFor(/BabyBot worker is running/, 120_000)));
    connection = await Connection.connect({ address: c.address });
    client = new Client({ connection, namespace });
  }, 1_200_000);

  afterAll(async () => {
    // A test that failed half-way must not leave a service down for the next file.
    if (cluster) await service(c, 'start', 'all').catch(() => {});
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await channel?.kill('SIGTERM');
    await connection?.close();
    await ollama?.close();
    unlock?.();
  }, 120_000);

  it('answers 40 messages in 8 groups exactly once, in order, while history, matching, frontend and PostgreSQL die in turn', async () => {
    const posted: string[] = [];
    const answered = new Set<string>();
    const answeredAt = new Map<string, number>();
    const inFlightAtFault = new Map<string, string[]>();
    const timings = new Map<string, { struck: number; back?: number }>();
    let total = 0;
    let faults = Promise.resolve();

    const strike = (name: Exclude<ClusterService, 'all'>) => {
      // The turns asked but not answered when the service dies: each must complete.
      inFlightAtFault.set(name, posted.filter((text) => !answered.has(text)));
      faults = faults.then(async () => {
        const timing: { struck: number; back?: number } = { struck: Date.now() };
        timings.set(name, timing);
        if (name === 'postgresql') {
          await service(c, 'restart', 'postgresql');
        } else {
          await service(c, 'kill', name);
          await new Promise((r) => setTimeout(r, 1000));
          await service(c, 'start', name);
        }
        timing.back = Date.now();
      });
    };

    await Promise.all(
      GROUPS.map(async (folder) => {
        for (let i = 1; i <= PER_GROUP; i++) {
          const text = `m-${folder}-${i}`;
          posted.push(text);
          await post(folder, text);
          const found = await waitForReplies(folder, i);
          const asked = /echo: .*?(m-g\d-\d)$/.exec(found[i - 1].text)?.[1] ?? found[i - 1].text;
          answered.add(asked);
          answeredAt.set(asked, Date.now());
          total++;
          for (const fault of FAULTS) if (fault.after === total) strike(fault.name);
        }
      }),
    );
    await faults;
    // Time for a duplicate to show up, were there one.
    await new Promise((r) => setTimeout(r, 3000));

    for (const folder of GROUPS) {
      const texts = (await replies(folder)).map((m) => /echo: .*?(m-g\d-\d)$/.exec(m.text)?.[1] ?? `unexpected: ${m.text}`);
      expect(texts, `${folder}: one reply per message, in order`).toEqual(Array.from({ length: PER_GROUP }, (_, i) => `m-${folder}-${i + 1}`));
    }
    for (const fault of FAULTS) {
      const inFlight = inFlightAtFault.get(fault.name) ?? [];
      const { struck, back } = timings.get(fault.name)!;
      const last = Math.max(...inFlight.map((text) => answeredAt.get(text) ?? Infinity));
      console.log(
        `${fault.name}: ${fault.name === 'postgresql' ? 'restarted' : 'SIGKILLed, restarted'} in ${((back! - struck) / 1000).toFixed(1)} s; ` +
          `${inFlight.length} turns in flight, the last answered ${((last - struck) / 1000).toFixed(1)} s after the fault`,
      );
      expect(inFlight.length, `turns were in flight when ${fault.name} went down`).toBeGreaterThan(0);
      for (const text of inFlight) expect(answered.has(text), `${text}, in flight across the ${fault.name} restart`).toBe(true);
    }
  });

  it('fires a Schedule after a full restart of the cluster', async () => {
    const added = await babybot('tasks', 'add', '--group', 'g1', '--every', '10s', '--prompt', 'TASK tick', '--isolated');
    expect(added.code, added.stderr).toBe(0);
    const taskId = added.stdout.split('\n')[0].trim();
    expect(taskId).toMatch(/^task:g1:/);

    for (const name of ['ui', 'worker', 'frontend', 'matching', 'history', 'postgresql'] as const) await service(c, 'stop', name);
    await service(c, 'start', 'all');
    const restartedAt = Date.now();

    const ticksAfter = async () => (await replies('g1')).filter((m) => m.text.includes('TASK tick'));
    const before = (await ticksAfter()).length;
    const deadline = Date.now() + 120_000;
    while ((await ticksAfter()).length <= before) {
      if (Date.now() > deadline) throw new Error(`the task did not run within 120 s of the cluster's restart`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const described = await client.schedule.getHandle(taskId).describe();
    const lastRun = described.info.recentActions.at(-1);
    expect(lastRun?.takenAt.getTime()).toBeGreaterThan(restartedAt - 1000);
    const removed = await babybot('tasks', 'remove', taskId);
    expect(removed.code, removed.stderr).toBe(0);
  });

  it('`babybot runs --failed`, `replay` and `retry` work against the cluster, and its Web UI shows the failed turn from SQL visibility', async () => {
    const id = await post('g2', 'what is the weather tomorrow?');
    const turnId = `turn:g2:${id}`;
    const notices = await waitForReplies('g2', PER_GROUP + 1);
    expect(notices.at(-1)!.text).toContain(`Run: ${turnId}`);
    await expect(client.workflow.getHandle(turnId).result()).rejects.toThrow('Workflow execution failed');

    // SQL visibility is written a moment after the run closes.
    let listed = '';
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 1000))) {
      const runs = await babybot('runs', '--failed');
      expect(runs.code, runs.stderr).toBe(0);
      listed = runs.stdout;
      if (listed.includes(turnId)) break;
    }
    expect(listed).toContain(`FAILED     ${turnId}  group g2`);
    expect(listed).toContain('cause: ModelRequestRejected: Ollama rejected the request (400): invalid tool schema in request');
    expect(listed).toContain(`${c.uiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(turnId)}/`);

    const replayed = await babybot('replay', turnId);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(new RegExp(`^OK: ${turnId} \\(\\d+ events\\) replays against the current workflow code`));

    // The cluster's Web UI, in a browser: the failed turn found by its search attributes in SQL visibility.
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const query = `BabybotGroup="g2" AND BabybotKind="message" AND ExecutionStatus="Failed"`;
      await page.goto(`${c.uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(query)}`);
      const row = page.getByRole('link', { name: turnId, exact: true }).first();
      await row.waitFor({ timeout: 30_000 });
      await row.click();
      await page.getByText('Search Attributes', { exact: true }).first().click();
      await page.getByText('BabybotGroup').first().waitFor({ timeout: 15_000 });
      const attributes = await page.innerText('body');
      expect(attributes).toContain('"BabybotGroup": "g2"');
      expect(attributes).toContain('"BabybotKind": "message"');
      fs.mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'cluster-web-ui-failed-turn.png'), fullPage: true });
    } finally {
      await browser.close();
    }

    modelBroken = false;
    const retried = await babybot('retry', turnId);
    expect(retried.code, retried.stderr).toBe(0);
    const after = await waitForReplies('g2', PER_GROUP + 2);
    expect(after.at(-1)!.text).toMatch(/echo: .*what is the weather tomorrow\?/);
  });
});
