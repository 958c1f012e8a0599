// The same turns on the embedded dev server (SQLite, one process) and on the real
// multi-service cluster (scripts/components/temporal-cluster.sh: PostgreSQL, 4 history
// shards, frontend/history/matching/worker as separate processes), in one run:
// orchestration overhead per turn (model answers at once) and turns/s with 20 groups; then,
// on the cluster, turns/s with 1, 2 and 4 `babybot worker` processes for a model-bound load
// (each call 500 ms, 2 at once per worker: the ideal ratio is the worker count).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { spawnBabyBot, type BabyBotProcess } from '../tests/support/babybot-process.js';
import { lastUserText } from '../tests/support/ollama-stub.js';
import { startBabyBot, type BabyBot } from '../workers/composition-root.js';
import { createNamespace } from '../tests/cluster/cluster.js';
import { percentile } from './stats.js';
import { startBenchEnvironment, timeTurn } from './support.js';

const SEQUENTIAL_TURNS = 100;
const GROUPS = 20;
const TURNS_PER_GROUP = 5;
const MODEL_MS = 500;
const MODEL_CALLS_PER_WORKER = 2;
const SCALE_GROUPS = 8;
const SCALE_TURNS_PER_GROUP = 4;

export async function run(): Promise<void> {
  const address = process.env.BABYBOT_CLUSTER_ADDRESS;
  if (!address) {
    console.log('skipped: no cluster (run scripts/components/temporal-cluster.sh and source .cache/test-env.sh)');
    return;
  }
  const control = process.env.BABYBOT_CLUSTER_CONTROL ?? '';
  const cluster = { address, uiUrl: process.env.BABYBOT_CLUSTER_UI_URL ?? '', control };
  const bench = await startBenchEnvironment('cluster', { MAX_CONCURRENT_MODEL_CALLS: '20' });
  try {
    bench.ollama.setScript(() => ({ content: 'ok' }));
    // Before: every channel step a regular activity on the channel queue; after: the turn's
    // context and delivery as local activities (the default). Each on fresh folders.
    const embeddedBefore = await overhead({ ...bench.env, ...ownFolders('embedded-before') }, false);
    const embedded = await overhead({ ...bench.env, ...ownFolders('embedded-after') }, true);
    const namespace = await createNamespace(cluster, 'bench');
    const clusterEnv = { ...bench.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
    const clusterBefore = await overhead({ ...clusterEnv, ...ownFolders('cluster-before') }, false);
    const onCluster = await overhead({ ...clusterEnv, ...ownFolders('cluster-after') }, true);
    console.log(`orchestration (model answers at once), ${SEQUENTIAL_TURNS} sequential turns, then ${GROUPS} groups × ${TURNS_PER_GROUP} at once:`);
    const rows = [
      ['embedded dev server, before', embeddedBefore],
      ['embedded dev server, after', embedded],
      ['cluster (4 services, PostgreSQL), before', clusterBefore],
      ['cluster (4 services, PostgreSQL), after', onCluster],
    ] as const;
    for (const [label, r] of rows) {
      console.log(`  ${label.padEnd(41)} p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms per turn; ${r.turnsPerSecond.toFixed(1)} turns/s with ${GROUPS} groups`);
    }
    console.log(`  after / before p50: embedded ${(embedded.p50 / embeddedBefore.p50).toFixed(2)}x, cluster ${(onCluster.p50 / clusterBefore.p50).toFixed(2)}x`);
    console.log(`  cluster / embedded p50 (after): ${(onCluster.p50 / embedded.p50).toFixed(2)}x`);

    bench.ollama.setScript((request) => ({ content: `ok ${lastUserText(request)}`, delayMs: MODEL_MS }));
    const scaleEnv = {
      ...bench.env,
      ...ownFolders('scale'),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: await createNamespace(cluster, 'bench-scale'),
      MAX_CONCURRENT_MODEL_CALLS: String(MODEL_CALLS_PER_WORKER),
    };
    await scaling(scaleEnv);
  } finally {
    await bench.close();
  }
}

function ownFolders(name: string): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `babybot-bench-cluster-${name}-`));
  return { DATA_DIR: path.join(dir, 'data'), GROUPS_DIR: path.join(dir, 'groups') };
}

function addGroups(bot: BabyBot, count: number): void {
  for (let g = 1; g <= count; g++) {
    bot.store.addGroup({ folder: `g${g}`, jid: `local:g${g}`, name: `g${g}`, triggerWord: null, requiresTrigger: false, isMain: false });
  }
}

async function overhead(env: Record<string, string>, localChannelSteps: boolean) {
  const bot = await startBabyBot(loadConfig(env), createLogger('silent'), { localChannelSteps });
  try {
    addGroups(bot, GROUPS);
    for (let i = 0; i < 10; i++) await timeTurn(bot, 'main', `warm ${i}`);
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL_TURNS; i++) latencies.push(await timeTurn(bot, 'main', `message ${i}`));
    const began = performance.now();
    await Promise.all(
      Array.from({ length: GROUPS }, async (_, g) => {
        for (let i = 0; i < TURNS_PER_GROUP; i++) await timeTurn(bot, `g${g + 1}`, `burst ${i}`);
      }),
    );
    const seconds = (performance.now() - began) / 1000;
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), turnsPerSecond: (GROUPS * TURNS_PER_GROUP) / seconds };
  } finally {
    await bot.stop();
  }
}

async function scaling(env: Record<string, string>): Promise<void> {
  const bot = await startBabyBot(loadConfig(env), createLogger('silent'), { serve: ['channel'] });
  const workers: BabyBotProcess[] = [];
  try {
    addGroups(bot, SCALE_GROUPS);
    const results: { workers: number; seconds: number; p50: number }[] = [];
    for (const count of [1, 2, 4]) {
      while (workers.length < count) workers.push(spawnBabyBot(['worker', '--queues', 'workflows,model,sandbox'], env));
      await Promise.all(workers.map((w) => w.waitFor(/BabyBot worker is running/, 120_000)));
      await load(bot, `warm${count}`, 1);
      const r = await load(bot, `w${count}`, SCALE_TURNS_PER_GROUP);
      results.push({ workers: count, ...r });
    }
    const total = SCALE_GROUPS * SCALE_TURNS_PER_GROUP;
    console.log(`cluster, model ${MODEL_MS} ms per call, ${MODEL_CALLS_PER_WORKER} calls at once per worker, ${SCALE_GROUPS} groups × ${SCALE_TURNS_PER_GROUP} turns:`);
    for (const r of results) {
      console.log(
        `  ${r.workers} worker process${r.workers > 1 ? 'es' : ''}: ${(total / r.seconds).toFixed(1)} turns/s (p50 turn ${r.p50.toFixed(0)} ms); ` +
          `vs 1 worker ${(results[0].seconds / r.seconds).toFixed(2)}x (model-bound ideal ${r.workers}x)`,
      );
    }
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await bot.stop();
  }
}

/** Every group sends its messages one after another (each waits for its reply), all groups at once. */
async function load(bot: BabyBot, round: string, perGroup: number) {
  const latencies: number[] = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: SCALE_GROUPS }, async (_, g) => {
      for (let i = 0; i < perGroup; i++) latencies.push(await timeTurn(bot, `g${g + 1}`, `${round}-${i}`));
    }),
  );
  return { seconds: (performance.now() - began) / 1000, p50: percentile(latencies, 50) };
}
