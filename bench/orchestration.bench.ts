// Orchestration overhead of one turn: message accepted (HTTP 202) → reply stored, minus the
// model's own time, with the scripted model answering at once; and turns per second with
// 20 groups sending at once. Real Temporal dev server (SQLite), real store, real workers.
// Before and after in the same run, each on a fresh server: BENCH_BASELINE names a checkout
// of the code to compare with (`git worktree add /tmp/base main`, its node_modules linked),
// measured first; then this tree; then the floor (a bare one-activity workflow).
import path from 'node:path';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { startBabyBot } from '../workers/composition-root.js';
import { measureFloor } from './floor/floor.js';
import { percentile } from './stats.js';
import { startBenchEnvironment, timeTurn } from './support.js';
import { printTurnTimelines } from './turn-timeline.js';

const SEQUENTIAL_TURNS = 200;
const GROUPS = 20;
const TURNS_PER_GROUP = 10;

interface Figures {
  p50: number;
  p95: number;
  turnsPerSecond: number;
}

type Start = typeof startBabyBot;

export async function run(): Promise<void> {
  const baseline = process.env.BENCH_BASELINE;
  let before: Figures | undefined;
  if (baseline) {
    const { startBabyBot: startBaseline } = (await import(path.resolve(baseline, 'workers/composition-root.ts'))) as { startBabyBot: Start };
    before = await measure(`before: ${baseline}`, startBaseline);
  }
  const after = await measure('after: this tree', startBabyBot);
  const floor = await measureFloor();
  if (before) {
    console.log('before → after, in this run:');
    console.log(`  p50 ${before.p50.toFixed(1)} → ${after.p50.toFixed(1)} ms (${(after.p50 / before.p50).toFixed(2)}x); p95 ${before.p95.toFixed(1)} → ${after.p95.toFixed(1)} ms (${(after.p95 / before.p95).toFixed(2)}x)`);
    console.log(`  ${GROUPS} groups: ${before.turnsPerSecond.toFixed(1)} → ${after.turnsPerSecond.toFixed(1)} turns/s (${(after.turnsPerSecond / before.turnsPerSecond).toFixed(2)}x)`);
    console.log(`  before / the floor: p50 ${(before.p50 / floor.p50).toFixed(2)}x, throughput ${(before.turnsPerSecond / floor.perSecond).toFixed(2)}x`);
  }
  console.log(`  after / the floor: p50 ${(after.p50 / floor.p50).toFixed(2)}x, throughput ${(after.turnsPerSecond / floor.perSecond).toFixed(2)}x`);
}

async function measure(label: string, start: Start): Promise<Figures> {
  const bench = await startBenchEnvironment('orchestration', { MAX_CONCURRENT_MODEL_CALLS: '20' });
  // The scripted model answers at once (its own time is well under a millisecond), so the
  // latency measured below is the orchestration overhead.
  bench.ollama.setScript(() => ({ content: 'ok' }));
  const config = loadConfig(bench.env);
  const bot = await start(config, createLogger('silent'));
  try {
    console.log(`${label}:`);
    for (let g = 1; g <= GROUPS; g++) {
      bot.store.addGroup({ folder: `g${g}`, jid: `local:g${g}`, name: `g${g}`, triggerWord: null, requiresTrigger: false, isMain: false });
    }
    // The id names the turn (`turn:main:bench-main-message 0`), so its history can be read below.
    const turn = (chat: string, text: string) => timeTurn(bot, chat, text, `bench-${chat}-${text}`);

    // Warm up: bundles loaded, workflow caches and gRPC connections hot.
    for (let i = 0; i < 10; i++) await turn('main', `warm ${i}`);

    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL_TURNS; i++) latencies.push(await turn('main', `message ${i}`));
    const figures = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), turnsPerSecond: 0 };
    console.log(`  sequential turns in one group: ${SEQUENTIAL_TURNS}`);
    console.log(`  overhead per turn (accepted → reply stored, minus model time): p50 ${figures.p50.toFixed(1)} ms, p95 ${figures.p95.toFixed(1)} ms`);
    await printTurnTimelines(
      bot.client,
      Array.from({ length: SEQUENTIAL_TURNS }, (_, i) => `turn:main:bench-main-message ${i}`),
      figures.p50,
    );

    const began = performance.now();
    await Promise.all(
      Array.from({ length: GROUPS }, async (_, g) => {
        for (let i = 0; i < TURNS_PER_GROUP; i++) await turn(`g${g + 1}`, `burst ${i}`);
      }),
    );
    const seconds = (performance.now() - began) / 1000;
    const total = GROUPS * TURNS_PER_GROUP;
    figures.turnsPerSecond = total / seconds;
    console.log(`  ${GROUPS} groups sending at once: ${total} turns in ${seconds.toFixed(2)} s = ${figures.turnsPerSecond.toFixed(1)} turns/s`);

    const history = await bot.client.workflow.getHandle('turn:main:bench-main-message 0').fetchHistory();
    const events = history.events ?? [];
    const count = (key: string) => events.filter((e) => (e as Record<string, unknown>)[key]).length;
    console.log(
      `  per turn: ${count('workflowTaskCompletedEventAttributes')} workflow tasks, ${count('activityTaskScheduledEventAttributes')} activities ` +
        `and ${count('markerRecordedEventAttributes')} local activities in the turn workflow ` +
        `(+ the group workflow's workflow tasks, +1 signalWithStart); ${events.length} history events`,
    );
    return figures;
  } finally {
    await bot.stop();
    await bench.close();
  }
}
