// What sub-agents buy (issue 24): the wall time of a turn that hands 4 sub-tasks to
// sub-agents at once, against the same 4 sub-tasks handed over one after another, and the
// swarm with 1 then 2 model worker processes. The scripted model takes MODEL_MS per step and
// each worker allows MAX_CONCURRENT_MODEL_CALLS at once: with one worker the four sub-agents
// share 2 model slots (two rounds), with two workers 4 (one round). Real Temporal dev
// server, a channel-only process and real `babybot worker` child processes, as scale-out.
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { spawnBabyBot, type BabyBotProcess } from '../tests/support/babybot-process.js';
import type { ChatRequestBody, StubReply } from '../tests/support/ollama-stub.js';
import { startBabyBot } from '../workers/composition-root.js';
import { percentile } from './stats.js';
import { startBenchEnvironment, timeTurn } from './support.js';

const MODEL_MS = 500;
const MODEL_CALLS_PER_WORKER = 2;
const SUB_TASKS = 4;
const ROUNDS = 3;

/** The parent hands out its sub-tasks (all at once, or one per step), then answers; each sub-agent answers in one step. */
function script(request: ChatRequestBody): StubReply {
  const reply = (content: string, toolCalls?: StubReply['toolCalls']): StubReply => ({ content, delayMs: MODEL_MS, ...(toolCalls ? { toolCalls } : {}) });
  if (request.messages[1]?.content.includes('You are a sub-agent')) return reply(`result of ${request.messages.at(-1)?.content}`);
  // This turn's message (the chat's earlier turns are in the history too).
  const asked = request.messages.findLast((m) => m.role === 'user')?.content ?? '';
  const handedOut = request.messages.filter((m) => m.role === 'tool').length;
  const task = (i: number) => ({ brief: `sub-task ${i + 1} of ${asked.split('\n')[0]}` });
  if (asked.includes('swarm') && handedOut === 0) {
    return reply('', [{ name: 'delegate', arguments: { tasks: Array.from({ length: SUB_TASKS }, (_, i) => task(i)) } }]);
  }
  if (asked.includes('sequential') && handedOut < SUB_TASKS) return reply('', [{ name: 'delegate', arguments: { tasks: [task(handedOut)] } }]);
  return reply('done');
}

export async function run(): Promise<void> {
  const bench = await startBenchEnvironment('swarm', { MAX_CONCURRENT_MODEL_CALLS: String(MODEL_CALLS_PER_WORKER) });
  const { env, ollama } = bench;
  ollama.setScript(script);
  const bot = await startBabyBot(loadConfig(env), createLogger('silent'), { serve: ['channel'] });
  const workers: BabyBotProcess[] = [];
  const addWorker = async () => {
    const worker = spawnBabyBot(['worker', '--queues', 'workflows,model,sandbox'], env);
    workers.push(worker);
    await worker.waitFor(/BabyBot worker is running/, 120_000);
  };
  const turns = async (kind: string, label: string) => {
    const times: number[] = [];
    // One warm-up turn, not counted.
    for (let i = 0; i <= ROUNDS; i++) {
      const ms = await timeTurn(bot, 'main', `${kind} ${label} ${i}`);
      if (i > 0) times.push(ms);
    }
    return percentile(times, 50);
  };
  try {
    await addWorker();
    const sequential = await turns('sequential', 'one');
    const swarmOne = await turns('swarm', 'one');
    await addWorker();
    const swarmTwo = await turns('swarm', 'two');
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`model ${MODEL_MS} ms per step, ${MODEL_CALLS_PER_WORKER} model calls at once per worker, ${SUB_TASKS} sub-tasks of 1 step each; medians of ${ROUNDS} turns`);
    console.log(`  4 sequential sub-tasks (1 worker):   ${s(sequential)}  (model-bound floor ${s((SUB_TASKS * 2 + 1) * MODEL_MS)})`);
    console.log(`  swarm of 4, 1 worker process:        ${s(swarmOne)}  (floor ${s((2 + SUB_TASKS / MODEL_CALLS_PER_WORKER) * MODEL_MS)})`);
    console.log(`  swarm of 4, 2 worker processes:      ${s(swarmTwo)}  (floor ${s((2 + SUB_TASKS / (2 * MODEL_CALLS_PER_WORKER)) * MODEL_MS)})`);
    console.log(`  swarm vs sequential (1 worker): ${(sequential / swarmOne).toFixed(2)}x faster; 2 workers vs 1: ${(swarmOne / swarmTwo).toFixed(2)}x`);
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await bot.stop();
    await bench.close();
  }
}
