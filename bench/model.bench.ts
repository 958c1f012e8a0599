// Orchestration overhead next to a real model's own time, on the same turns: for 1, 5 and
// 20 turns in flight (one per group, sent at once), each turn's time from message accepted
// to reply stored, minus the time Ollama itself reports for the turn's model steps
// (total_duration: load, queueing inside Ollama, prompt reading, writing). The goal is an
// overhead under 5 % of the model time. Needs the real Ollama of
// scripts/components/ollama.sh (BABYBOT_REAL_OLLAMA_URL); the scripted stand-in would
// make the share meaningless. BENCH_NUM_PREDICT=N bounds each answer to N tokens (a model
// derived with that parameter), so 20 turns queued in one Ollama slot end in minutes.
import { ollamaAgent, ollamaClient } from '../activities/ollama-client.js';
import { tsToMs } from '@temporalio/common/lib/time.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { stepsOf } from '../tests/support/step-details.js';
import { startBabyBot, type BabyBot } from '../workers/composition-root.js';
import { turnWorkflowId } from '../contracts/ids.js';
import type { ModelReply, ModelStepStats } from '../contracts/types.js';
import { percentile } from './stats.js';
import { startBenchEnvironment, timeTurn } from './support.js';

// BENCH_IN_FLIGHT=1,5 runs fewer levels when the machine is slow.
const IN_FLIGHT = (process.env.BENCH_IN_FLIGHT ?? '1,5,20').split(',').map(Number);
// Each level runs rounds until it has at least this many turns, so its medians are of several.
const MIN_TURNS = Number(process.env.BENCH_MIN_TURNS ?? 10);

export async function run(): Promise<void> {
  const url = process.env.BABYBOT_REAL_OLLAMA_URL;
  if (!url) {
    console.log('skipped: no real Ollama. Run `BABYBOT_TEST_ENV=.cache/test-env.sh bash scripts/components/ollama.sh`, source .cache/test-env.sh, then `npm run bench model`.');
    return;
  }
  // The model without tools reads a ~600-token prompt instead of BabyBot's ~3,000 with tools,
  // so 26 real turns fit in minutes on a 2-core CPU; the orchestration is the same.
  const base = process.env.BENCH_MODEL ?? process.env.BABYBOT_REAL_OLLAMA_MODEL_NOTOOLS ?? 'babybot-tiny-notools';
  const numPredict = process.env.BENCH_NUM_PREDICT ? Number(process.env.BENCH_NUM_PREDICT) : undefined;
  const model = numPredict ? await boundedModel(url, base, numPredict) : base;
  const bench = await startBenchEnvironment('model', {
    OLLAMA_HOST: url,
    OLLAMA_MODEL: model,
    OLLAMA_KEEP_ALIVE: '30m',
    // Every turn in flight gets its model step at once: turns queue inside Ollama (counted as
    // model time), not behind BabyBot's concurrency limit (which would count as overhead).
    MAX_CONCURRENT_MODEL_CALLS: '20',
    // Ollama serves one request at a time (OLLAMA_NUM_PARALLEL=1): the 20th turn waits for 19
    // before it, past the default 5m; a step timed out there and retried would count its
    // wait as overhead. The queue is the model's time.
    MODEL_TIMEOUT: '30m',
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
      const rounds = Math.ceil(MIN_TURNS / n);
      const turns: Turn[] = [];
      for (let round = 0; round < rounds; round++) turns.push(...(await inFlight(bot, n, round)));
      const sum = (key: 'latency' | 'modelMs' | 'overhead') => turns.reduce((total, t) => total + t[key], 0);
      const median = (values: number[]) => percentile(values, 50).toFixed(0);
      console.log(
        `${String(n).padStart(2)} in flight: turn p50 ${median(turns.map((t) => t.latency))} ms, model p50 ${median(turns.map((t) => t.modelMs))} ms, ` +
          `overhead p50 ${median(turns.map((t) => t.overhead))} ms (p95 ${percentile(turns.map((t) => t.overhead), 95).toFixed(0)} ms); ` +
          `overhead share p50 ${(percentile(turns.map((t) => t.share), 50) * 100).toFixed(2)} % of model time ` +
          `(all turns together ${((sum('overhead') / sum('modelMs')) * 100).toFixed(2)} %)`,
      );
      console.log(`             overhead p50 by part: ${PARTS.map((part) => `${part} ${median(turns.map((t) => t.parts[part]))} ms`).join(', ')}`);
      const stats = turns.map((t) => t.stats).filter((s) => s !== undefined);
      console.log(
        `             first token p50 ${median(stats.map((s) => s.firstTokenMs))} ms, prompt ${median(stats.map((s) => s.promptTokens))} tokens ` +
          `read in p50 ${median(stats.map((s) => s.promptMs))} ms, ${median(stats.map((s) => s.evalTokens))} tokens written ` +
          `at p50 ${percentile(stats.map((s) => s.tokensPerSecond), 50)} tokens/s`,
      );
    }
  } finally {
    await bot.stop();
    await bench.close();
  }
}

interface Turn {
  latency: number;
  modelMs: number;
  overhead: number;
  share: number;
  stats?: ModelStepStats;
  /** Where the overhead goes: message to turn start, turn start to model step, inside the step, step to reply. */
  parts: { toTurn: number; toStep: number; inStep: number; toReply: number };
}

const PARTS = ['toTurn', 'toStep', 'inStep', 'toReply'] as const;

/** `n` turns sent at once, one per group; each one's time, its model's time, and the rest (the overhead). */
async function inFlight(bot: BabyBot, n: number, round: number): Promise<Turn[]> {
  const ids = Array.from({ length: n }, (_, i) => ({ chat: `g${i + 1}`, id: `bench-${n}-${round}-${i}` }));
  const sent: number[] = [];
  const latencies = await Promise.all(
    ids.map(({ chat, id }, i) => {
      sent[i] = Date.now();
      return timeTurn(bot, chat, 'Name one colour.', id);
    }),
  );
  return Promise.all(
    ids.map(async ({ chat, id }, i) => {
      const steps = (await stepsOf(bot.client, turnWorkflowId(chat, id))).filter((s) => s.type === 'chat' && s.result);
      const replies = steps.map((s) => s.result as ModelReply);
      const modelMs = replies.reduce((sum, r) => sum + r.modelMs, 0);
      const overhead = latencies[i] - modelMs;
      // The turn's own history says when it started and when its model step started and ended.
      const events = (await bot.client.workflow.getHandle(turnWorkflowId(chat, id)).fetchHistory()).events ?? [];
      const chatSteps = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'chat').map((e) => String(e.eventId)));
      const stepStarted = events.find((e) => chatSteps.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)));
      const stepDone = [...events].reverse().find((e) => chatSteps.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)));
      const turnStart = tsToMs(events[0]?.eventTime);
      const parts = {
        toTurn: turnStart - sent[i],
        toStep: tsToMs(stepStarted?.eventTime) - turnStart,
        inStep: tsToMs(stepDone?.eventTime) - tsToMs(stepStarted?.eventTime) - modelMs,
        toReply: sent[i] + latencies[i] - tsToMs(stepDone?.eventTime),
      };
      return { latency: latencies[i], modelMs, overhead, share: overhead / modelMs, stats: replies[0]?.stats, parts };
    }),
  );
}

/** A model derived from `base` that writes at most `numPredict` tokens an answer (made once, then reused). */
async function boundedModel(url: string, base: string, numPredict: number): Promise<string> {
  const name = `${base.replace(/:.*$/, '')}-np${numPredict}`;
  await ollamaClient(url, ollamaAgent(0)).create({ model: name, from: base, parameters: { num_predict: numPredict }, stream: false });
  return name;
}
