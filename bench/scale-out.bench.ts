// What an extra `babybot worker` process buys: turns per second with one worker process,
// then with two, for the same load, in the same run (channel-only process, real Temporal
// dev server, real worker child processes). The scripted model takes MODEL_MS per call,
// as a local model does, and each worker allows MAX_CONCURRENT_MODEL_CALLS at once, so the
// model queue is the bottleneck a second worker should lift. Also: a worker's start-up time.
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { spawnBabyBot, type BabyBotProcess } from '../tests/support/babybot-process.js';
import { lastUserText } from '../tests/support/ollama-stub.js';
import { startBabyBot, type BabyBot } from '../workers/composition-root.js';
import { percentile } from './stats.js';
import { startBenchEnvironment, timeTurn } from './support.js';

const MODEL_MS = 500;
const MODEL_CALLS_PER_WORKER = 2;
const GROUPS = 8;
const TURNS_PER_GROUP = 6;

export async function run(): Promise<void> {
  const bench = await startBenchEnvironment('scale', { MAX_CONCURRENT_MODEL_CALLS: String(MODEL_CALLS_PER_WORKER) });
  const { env, ollama } = bench;
  ollama.setScript((request) => ({ content: `ok ${lastUserText(request)}`, delayMs: MODEL_MS }));
  const bot = await startBabyBot(loadConfig(env), createLogger('silent'), { serve: ['channel'] });
  const workers: BabyBotProcess[] = [];
  try {
    for (let g = 1; g <= GROUPS; g++) {
      bot.store.addGroup({ folder: `g${g}`, jid: `local:g${g}`, name: `g${g}`, triggerWord: null, requiresTrigger: false, isMain: false });
    }
    const startups: number[] = [];
    const addWorker = async () => {
      const began = performance.now();
      const worker = spawnBabyBot(['worker', '--queues', 'workflows,model,sandbox'], env);
      await worker.waitFor(/BabyBot worker is running/, 120_000);
      startups.push(performance.now() - began);
      workers.push(worker);
    };

    await addWorker();
    await load(bot, 'warm', 1);
    const one = await load(bot, 'one', TURNS_PER_GROUP);
    await addWorker();
    await load(bot, 'warm2', 1);
    const two = await load(bot, 'two', TURNS_PER_GROUP);

    const total = GROUPS * TURNS_PER_GROUP;
    const line = (label: string, r: Awaited<ReturnType<typeof load>>) =>
      `${label}: ${total} turns in ${r.seconds.toFixed(2)} s = ${(total / r.seconds).toFixed(1)} turns/s; turn latency p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms`;
    console.log(`model ${MODEL_MS} ms per call, ${MODEL_CALLS_PER_WORKER} model calls at once per worker, ${GROUPS} groups talking at once`);
    console.log(`  ${line('1 worker process ', one)}`);
    console.log(`  ${line('2 worker processes', two)}`);
    console.log(`  throughput ratio 2 workers / 1 worker: ${(one.seconds / two.seconds).toFixed(2)}x (model-bound ceiling: 2x)`);
    console.log(`  worker start-up (spawn → polling): ${startups.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`);
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await bot.stop();
    await bench.close();
  }
}

/** Every group sends its messages one after another (each waits for its reply), all groups at once. */
async function load(bot: BabyBot, round: string, perGroup: number) {
  const latencies: number[] = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: GROUPS }, async (_, g) => {
      const chat = `g${g + 1}`;
      for (let i = 0; i < perGroup; i++) latencies.push(await timeTurn(bot, chat, `${round}-${i}`));
    }),
  );
  return { seconds: (performance.now() - began) / 1000, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

