// Orchestration overhead next to a real model's own time, on the same turns: for 1, 5 and
// 20 turns in flight (one per group, sent at once), each turn's time from message accepted
// to reply stored, minus the time Ollama itself reports for the turn's model steps
// (total_duration: load, queueing inside Ollama, prompt reading, writing). The goal is an
// overhead under 5 % of the model time. Needs the real Ollama of
// scripts/components/ollama.sh (BABYBOT_REAL_OLLAMA_URL); the scripted stand-in would
// make the share meaningless.
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { stepsOf } from '../tests/support/step-details.js';
import { startBabyBot } from '../workers/babybot.js';
import { turnWorkflowId } from '../contracts/ids.js';
import type { ModelReply } from '../contracts/types.js';
import { percentile } from './stats.js';
import { startBenchEnvironment, timeTurn } from './support.js';

// BENCH_IN_FLIGHT=1,5 runs fewer levels when the machine is slow.
const IN_FLIGHT = (process.env.BENCH_IN_FLIGHT ?? '1,5,20').split(',').map(Number);

export async function run(): Promise<void> {
  const url = process.env.BABYBOT_REAL_OLLAMA_URL;
  if (!url) {
    console.log('skipped: no real Ollama. Run `BABYBOT_TEST_ENV=.cache/test-env.sh bash scripts/components/ollama.sh`, source .cache/test-env.sh, then `npm run bench model`.');
    return;
  }
  // The model without tools reads a ~600-token prompt instead of BabyBot's ~3,000 with tools,
  // so 26 real turns fit in minutes on a 2-core CPU; the orchestration is the same.
  const model = process.env.BENCH_MODEL ?? process.env.BABYBOT_REAL_OLLAMA_MODEL_NOTOOLS ?? 'babybot-tiny-notools';
  const bench = await startBenchEnvironment('model', {
    OLLAMA_HOST: url,
    OLLAMA_MODEL: model,
    OLLAMA_KEEP_ALIVE: '30m',
    // Every turn in flight gets its model step at once: turns queue inside Ollama (counted as
    // model time), not behind BabyBot's concurrency limit (which would count as overhead).
    MAX_CONCURRENT_MODEL_CALLS: '20',
    AGENT_MAX_STEPS: '1',
  });
  const bot = await startBabyBot(loadConfig(bench.env), createLogger('silent'));
  try {
    console.log(`model ${model} at ${url}`);
    for (let g = 1; g <= Math.max(...IN_FLIGHT); g++) {
      bot.store.addGroup({ folder: `g${g}`, jid: `local:g${g}`, name: `g${g}`, triggerWord: null, requiresTrigger: false, isMain: false });
    }
    // Warm-up: the model loaded, the bundle and the caches hot.
    await timeTurn(bot, 'g1', 'Say hi.', 'bench-warm');

    for (const n of IN_FLIGHT) {
      const ids = Array.from({ length: n }, (_, i) => ({ chat: `g${i + 1}`, id: `bench-${n}-${i}` }));
      const latencies = await Promise.all(ids.map(({ chat, id }) => timeTurn(bot, chat, 'Name one colour.', id)));
      const turns = await Promise.all(
        ids.map(async ({ chat, id }, i) => {
          const steps = (await stepsOf(bot.client, turnWorkflowId(chat, id))).filter((s) => s.type === 'chat' && s.result);
          const replies = steps.map((s) => s.result as ModelReply);
          const modelMs = replies.reduce((sum, r) => sum + r.modelMs, 0);
          return { latency: latencies[i], modelMs, overhead: latencies[i] - modelMs, stats: replies[0]?.stats };
        }),
      );
      const sum = (key: 'latency' | 'modelMs' | 'overhead') => turns.reduce((total, t) => total + t[key], 0);
      const median = (values: number[]) => percentile(values, 50).toFixed(0);
      console.log(
        `${String(n).padStart(2)} in flight: turn p50 ${median(turns.map((t) => t.latency))} ms, model p50 ${median(turns.map((t) => t.modelMs))} ms, ` +
          `overhead p50 ${median(turns.map((t) => t.overhead))} ms (p95 ${percentile(turns.map((t) => t.overhead), 95).toFixed(0)} ms); ` +
          `overhead share ${((sum('overhead') / sum('modelMs')) * 100).toFixed(2)} % of model time`,
      );
      const stats = turns.map((t) => t.stats).filter((s) => s !== undefined);
      console.log(
        `             first token p50 ${median(stats.map((s) => s.firstTokenMs))} ms, prompt ${median(stats.map((s) => s.promptTokens))} tokens ` +
          `read in p50 ${median(stats.map((s) => s.promptMs))} ms, writing p50 ${percentile(stats.map((s) => s.tokensPerSecond), 50)} tokens/s`,
      );
    }
  } finally {
    await bot.stop();
    await bench.close();
  }
}
