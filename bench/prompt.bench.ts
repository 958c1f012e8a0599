// What the person waits for on a CPU: the time Ollama spends reading each turn's prompt
// (prompt_eval_duration; prompt_eval_count counts cached tokens too) and the time to the
// first reply word, for BabyBot's prompt in the layout before and after issue 26, in one run:
//   - cold: the first step of a non-main group right after the model is loaded;
//   - 3 groups taking turns (A, B, C, A, B, C…), each turn's reading time as a share of cold;
//   - one group alone, turn after turn (the steady state);
//   - the floor: the same messages to bare /api/chat, no system prompt, no tools.
// It sends exactly the request BabyBot's model step builds (the same builders, options,
// keep_alive and num_ctx), straight to Ollama and without Temporal, whose own cost per turn
// the orchestration bench measures (~0.1 s, nothing next to a model's seconds).
//
// Needs a real Ollama (BABYBOT_REAL_OLLAMA_URL) and models that call tools:
// BENCH_PROMPT_MODELS=name,name (default BABYBOT_REAL_OLLAMA_MODEL). BENCH_ROUNDS (default 2)
// rounds of the 3 groups, BENCH_ALONE (default 4) turns of the lone group, BENCH_NUM_PREDICT
// (default 24) tokens per answer, so every layout writes the same amount. BENCH_LAYOUTS=after
// runs one layout only; BENCH_BUSY=1 adds the slots comparison (Ollamas of the bench's own
// with OLLAMA_NUM_PARALLEL=1 and 3: groups taking turns, and 3 at once); BENCH_TOKENS=1 adds the token
// count of the system prompt and of each tool, in both layouts.
import os from 'node:os';
import type { ChatRequest, Ollama } from 'ollama';
import { layouts, type Exchange, type Layout, type Said } from './prompt-layouts.js';
import { skillsSection } from '../container/skills.js';
import type { ChatMessage } from '../contracts/types.js';
import { ollamaAgent, ollamaClient } from '../activities/ollama-client.js';
import { numCtxFor, readModelInfo } from '../activities/model-info.js';
import { keepAliveValue, runnerOptions } from '../activities/model.js';
import { BUILTIN_SKILLS_DIR } from '../lib/package-paths.js';
import type { Group } from '../lib/store/store.js';
import { serveOllama } from './ollama-serve.js';
import { percentile } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ALONE = Number(process.env.BENCH_ALONE ?? 4);
const NUM_PREDICT = Number(process.env.BENCH_NUM_PREDICT ?? 24);
const KEEP_ALIVE = '30m';
// What a model answers without a tool, so both sides of the ratio are answers: with "What can
// you help me with?" the 0.5B read a skill (2026-12-07), and a call's time is no answer's.
const MESSAGES = ['Good morning! How are you?', 'What is the capital of France?', 'Thanks! And the capital of Italy?', 'Give me one tip for a rainy day.'];

interface Step {
  promptTokens: number;
  promptMs: number;
  loadMs: number;
  firstWordMs: number;
  replyMs: number;
  /** Tokens written and Ollama's time writing them (eval_count, eval_duration). */
  wrote: number;
  writingMs: number;
  reply: string;
  /** The answer came as a call of reply: its first word is the first after the call's opening. */
  viaReplyCall: boolean;
}

/**
 * The reply's time had the model written NUM_PREDICT tokens: the bare model often stops
 * sooner (it says less without BabyBot's prompt), and a shorter answer is not a faster one.
 */
const fullLengthReply = (s: Step) => s.firstWordMs + (s.writingMs / Math.max(1, s.wrote)) * Math.max(0, NUM_PREDICT - 1);

const settings = {
  assistantName: 'Baby',
  groupsDir: '/nonexistent',
  timeZone: 'UTC',
  contextMessages: 30,
  extraSections: () => [skillsSection(BUILTIN_SKILLS_DIR)],
};

const group = (folder: string): Group => ({
  folder,
  jid: `${folder}@g.us`,
  name: `${folder} club`,
  triggerWord: 'Baby',
  requiresTrigger: true,
  isMain: false,
  sandbox: {},
  addedAt: '',
});

/** A member's message as the store holds it, one per group and turn, sent a minute after the one before. */
const said = (folder: string, turn: number): { said: Said } => ({
  said: {
    sender: `4477009000${turn}@s.whatsapp.net`,
    senderName: `${folder}-member`,
    text: `@Baby ${MESSAGES[turn % MESSAGES.length]}`,
    timestamp: new Date(Date.UTC(2026, 11, 7, 9, turn)).toISOString(),
  },
});

export async function run(): Promise<void> {
  const url = process.env.BABYBOT_REAL_OLLAMA_URL;
  const models = (process.env.BENCH_PROMPT_MODELS ?? process.env.BABYBOT_REAL_OLLAMA_MODEL ?? '').split(',').filter(Boolean);
  if (!url || !models.length) {
    console.log('skipped: no real Ollama. Source .cache/test-env.sh, set BENCH_PROMPT_MODELS to Qwen2.5-Coder models with tools, then `npm run bench prompt`.');
    return;
  }
  const ollama = ollamaClient(url, ollamaAgent(0));
  for (const model of models) {
    const numCtx = numCtxFor(await readModelInfo(ollama, model));
    console.log(`\n### ${model} (num_ctx ${numCtx}, ${NUM_PREDICT} tokens an answer, ${ROUNDS} rounds of 3 groups, ${ALONE} turns alone)`);
    const results = [];
    const wanted = (process.env.BENCH_LAYOUTS ?? 'before,after').split(',');
    for (const layout of Object.values(layouts(settings)).filter((l) => wanted.includes(l.name))) {
      results.push({ layout: layout.name, ...(await runLayout(ollama, model, numCtx, layout)) });
    }
    if (process.env.BENCH_BUSY === '1') await compareSlots(model, numCtx);
    if (process.env.BENCH_TOKENS === '1') await tokensOfParts(ollama, model, numCtx);
    const floor = await floorSteps(ollama, model, numCtx);
    const floorReply = median(floor.map((s) => s.replyMs));
    const floorFirst = median(floor.map((s) => s.firstWordMs));
    const floorFull = median(floor.map(fullLengthReply));
    console.log(
      `floor (bare /api/chat, no system prompt, no tools): first word ${ms(floorFirst)}, reply ${ms(floorReply)} ` +
        `(${median(floor.map((s) => s.wrote))} tokens; ${ms(floorFull)} at ${NUM_PREDICT}), ${median(floor.map((s) => s.promptTokens))} prompt tokens, ` +
        `writing ${perToken(floor)} ms/token`,
    );
    console.log('| layout | cold tokens | cold reading | cold first word | alternating: reading / cold (median, max) | alone: first word | alone: reply (tokens) | reply / floor | at equal length: reply / floor | writing ms/token |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      const shares = r.alternating.map((s) => s.promptMs / r.cold.promptMs);
      const aloneReply = median(r.alone.map((s) => s.replyMs));
      console.log(
        `| ${r.layout} | ${r.cold.promptTokens} | ${ms(r.cold.promptMs)} | ${ms(r.cold.firstWordMs)} | ` +
          `${pct(median(shares))}, ${pct(Math.max(...shares))} | ${ms(median(r.alone.map((s) => s.firstWordMs)))} | ${ms(aloneReply)} (${median(r.alone.map((s) => s.wrote))}) | ` +
          `${(aloneReply / floorReply).toFixed(2)}× | ${(median(r.alone.map(fullLengthReply)) / floorFull).toFixed(2)}× | ${perToken(r.alone)} |`,
      );
    }
    for (const r of results) {
      console.log(`${r.layout}, each turn after its group's first (reading ms / first word ms): ` + r.alternating.map((s) => `${Math.round(s.promptMs)}/${Math.round(s.firstWordMs)}`).join(' '));
      // A reply call's opening is written before the answer's first word: its tokens are in the times above.
      const steps = [r.cold, ...r.alternating, ...r.alone];
      const of = (kind: StepKind) => steps.filter((s) => stepKind(s) === kind).length;
      console.log(
        `${r.layout}: of ${steps.length} steps, ${of('a reply call')} answered by a reply call, ` +
          `${of('plain text')} in plain text, ${of('a call')} called another tool (their times are a call's, not an answer's)`,
      );
    }
  }
  const [one, five, fifteen] = os.loadavg();
  console.log(`\nload average ${one.toFixed(2)} ${five.toFixed(2)} ${fifteen.toFixed(2)} (${os.cpus().length} cores)`);
}

/** Cold, then the 3 groups taking turns, then one group alone; every answer kept in its history. */
async function runLayout(ollama: Ollama, model: string, numCtx: number, layout: Layout) {
  await unload(ollama, model);
  await load(ollama, model, numCtx);
  const histories = new Map<string, Exchange[]>();
  const turn = async (folder: string, n: number) => {
    const history = [...(histories.get(folder) ?? []), said(folder, n)];
    const step = await chat(ollama, model, numCtx, layout.request(group(folder), history));
    histories.set(folder, [...history, { answer: sentText(step.reply) }]);
    // Each step as it ends: on a loaded machine a run may not finish, and its steps still tell.
    console.log(
      `  ${layout.name} ${folder} turn ${n + 1}: ${step.promptTokens} prompt tokens, read in ${Math.round(step.promptMs)} ms, first word ${ms(step.firstWordMs)}, ` +
        `reply ${ms(step.replyMs)} (${step.wrote} tokens, ${stepKind(step)}): ${JSON.stringify(step.reply.slice(0, 70))}`,
    );
    return step;
  };
  const cold = await turn('alpha', 0);
  const alternating: Step[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const folder of ['alpha', 'bravo', 'charlie']) {
      if (round === 0 && folder === 'alpha') continue;
      const step = await turn(folder, round);
      // A group's own first turn is cold for that group in either layout: only later ones count.
      if (round > 0) alternating.push(step);
    }
  }
  const alone: Step[] = [];
  for (let n = 0; n < ALONE; n++) {
    const step = await turn('delta', n);
    if (n > 0) alone.push(step);
  }
  return { cold, alternating, alone };
}

/**
 * Does more than one slot (OLLAMA_NUM_PARALLEL) help several busy groups on a CPU? In one run,
 * an Ollama of the bench's own with 1 slot, then one with 3 (the same binary and models), each
 * cold: the 3 groups taking turns (A, B, C…), then 3 groups asking at the same moment. With one
 * slot each group switch reads the group's own part again; with 3 each slot may keep one
 * group's cache, but 3 answers at once share the same 2 cores.
 */
async function compareSlots(model: string, numCtx: number) {
  const layout = layouts(settings).after;
  const rows: string[] = [];
  for (const slots of [1, 3]) {
    const server = await serveOllama({ OLLAMA_NUM_PARALLEL: String(slots) });
    try {
      const ollama = ollamaClient(server.url, ollamaAgent(0));
      await load(ollama, model, numCtx);
      const histories = new Map<string, Exchange[]>();
      const turn = async (folder: string, n: number) => {
        const history = [...(histories.get(folder) ?? []), said(folder, n)];
        const step = await chat(ollama, model, numCtx, layout.request(group(folder), history));
        histories.set(folder, [...history, { answer: sentText(step.reply) }]);
        return step;
      };
      const alternating: Step[] = [];
      for (let round = 0; round <= ROUNDS; round++) {
        for (const folder of ['echo', 'foxtrot', 'golf']) {
          const step = await turn(folder, round);
          if (round > 0) alternating.push(step);
        }
      }
      const together: { wallMs: number; firstWordMs: number[] }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const began = performance.now();
        const steps = await Promise.all(['hotel', 'india', 'juliet'].map((folder) => turn(folder, round)));
        together.push({ wallMs: performance.now() - began, firstWordMs: steps.map((s) => s.firstWordMs) });
        console.log(`  ${slots} slot(s), 3 groups at once, round ${round + 1}: all answered in ${ms(together.at(-1)!.wallMs)}; first words ${steps.map((s) => ms(s.firstWordMs)).join(', ')}`);
      }
      console.log(`  ${slots} slot(s), taking turns (reading ms / first word ms): ` + alternating.map((s) => `${Math.round(s.promptMs)}/${Math.round(s.firstWordMs)}`).join(' '));
      rows.push(
        `| ${slots} | ${ms(median(alternating.map((s) => s.promptMs)))} | ${ms(median(alternating.map((s) => s.firstWordMs)))} | ` +
          `${ms(median(together.map((r) => r.wallMs)))} | ${ms(median(together.flatMap((r) => r.firstWordMs)))} | ${ms(Math.max(...together.flatMap((r) => r.firstWordMs)))} |`,
      );
    } finally {
      await server.stop();
    }
  }
  console.log('| OLLAMA_NUM_PARALLEL | taking turns: reading (median) | taking turns: first word (median) | 3 at once: all answered (median) | 3 at once: first word (median) | 3 at once: first word (max) |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

/**
 * The real tokenizer's count (prompt_eval_count, which counts cached tokens too) of the
 * system prompt and of each tool's definition as the template renders it, in both layouts:
 * a request of the system prompt alone, then with one tool, each writing one token.
 */
async function tokensOfParts(ollama: Ollama, model: string, numCtx: number) {
  const count = async (request: { messages: ChatMessage[]; tools: unknown[] }) =>
    (await chat(ollama, model, numCtx, request, 1)).promptTokens;
  for (const layout of Object.values(layouts(settings))) {
    for (const isMain of [false, true]) {
      const { messages, tools } = layout.request({ ...group('alpha'), isMain }, [said('alpha', 0)]);
      const system = messages.slice(0, 1);
      const bare = await count({ messages: system, tools: [] });
      const whole = await count({ messages, tools });
      const each = [];
      for (const tool of tools as { function: { name: string } }[]) {
        each.push(`${tool.function.name} ${(await count({ messages: system, tools: [tool] })) - bare}`);
      }
      console.log(
        `${layout.name}, ${isMain ? 'main' : 'a group'}: first step ${whole} tokens; system prompt ${bare}; ` +
          `all ${tools.length} tools ${(await count({ messages: system, tools })) - bare}; each (with the template's tool header): ${each.join(', ')}`,
      );
    }
  }
}

/**
 * The same members' messages to bare /api/chat: the model's own time for what they wrote, their
 * words alone (who wrote them and when is BabyBot's rendering, its cost on BabyBot's side).
 */
async function floorSteps(ollama: Ollama, model: string, numCtx: number): Promise<Step[]> {
  const steps: Step[] = [];
  for (let n = 0; n < ALONE; n++) {
    const content = said('delta', n).said.text;
    steps.push(await chat(ollama, model, numCtx, { messages: [{ role: 'user', content }], tools: [] }));
  }
  return steps;
}

async function chat(
  ollama: Ollama,
  model: string,
  numCtx: number,
  request: { messages: ChatMessage[]; tools: unknown[] },
  numPredict = NUM_PREDICT,
): Promise<Step> {
  const began = performance.now();
  const body = {
    model,
    messages: request.messages,
    ...(request.tools.length ? { tools: request.tools as ChatRequest['tools'] } : {}),
    stream: true as const,
    keep_alive: keepAliveValue(KEEP_ALIVE),
    options: { ...runnerOptions(numCtx), num_predict: numPredict, temperature: 0, seed: 1 },
  } satisfies ChatRequest;
  let firstWordMs = 0;
  let reply = '';
  let final: Partial<{ prompt_eval_count: number; prompt_eval_duration: number; load_duration: number; eval_count: number; eval_duration: number }> = {};
  for await (const part of await ollama.chat(body)) {
    const text = part.message.content ?? '';
    reply += text;
    if (part.message.tool_calls?.length) reply += JSON.stringify(part.message.tool_calls);
    if (!firstWordMs && answerSoFar(reply)) firstWordMs = performance.now() - began;
    if (part.done) final = part;
  }
  const replyMs = performance.now() - began;
  return {
    promptTokens: final.prompt_eval_count ?? 0,
    promptMs: (final.prompt_eval_duration ?? 0) / 1e6,
    loadMs: (final.load_duration ?? 0) / 1e6,
    firstWordMs: firstWordMs || replyMs,
    replyMs,
    wrote: final.eval_count ?? 0,
    writingMs: (final.eval_duration ?? 0) / 1e6,
    reply,
    viaReplyCall: REPLY_CALL_OPENING.test(reply),
  };
}

/** How a call of reply opens (contracts/tools/reply-tool.ts): what comes after it is the answer. */
const REPLY_CALL_OPENING = /^\s*(?:```\w*\s*)?\{\s*"name"\s*:\s*"reply"\s*,\s*"arguments"\s*:\s*\{\s*"text"\s*:\s*"/;

/**
 * The words of the answer the person reads, written so far: after a reply call's opening (the
 * person gets its text, so its first word is the answer's), none while the text may still be
 * a call (it opens with `{` or a fence), else the text itself.
 */
function answerSoFar(text: string): string {
  const opening = REPLY_CALL_OPENING.exec(text);
  if (opening) return text.slice(opening[0].length).trim();
  return /^\s*(?:\{|`)/.test(text) ? '' : text.trim();
}

type StepKind = 'a reply call' | 'plain text' | 'a call';

/** How a step answered: by a reply call, in plain text, or not at all (a call of another tool). */
const stepKind = (step: Step): StepKind => (step.viaReplyCall ? 'a reply call' : answerSoFar(step.reply) ? 'plain text' : 'a call');

/**
 * What the person got, as the next turn's history holds it: a reply call's text (cut by
 * num_predict, so read up to where it stops, not parsed), else the text itself.
 */
function sentText(reply: string): string {
  if (!REPLY_CALL_OPENING.test(reply)) return reply.trim();
  const text = answerSoFar(reply).replace(/"\s*\}\s*\}\s*(?:```)?\s*$/, '');
  return text.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
}

/** Loaded with the steps' options, and nothing in its cache that any layout's prompt begins with. */
async function load(ollama: Ollama, model: string, numCtx: number) {
  await ollama.chat({ model, messages: [], options: runnerOptions(numCtx), keep_alive: keepAliveValue(KEEP_ALIVE) });
}

async function unload(ollama: Ollama, model: string) {
  await ollama.chat({ model, messages: [], keep_alive: 0 });
}

const perToken = (steps: Step[]) => median(steps.map((s) => s.writingMs / Math.max(1, s.wrote))).toFixed(0);
const median = (values: number[]) => (values.length ? percentile(values, 50) : NaN);
const ms = (value: number) => `${(value / 1000).toFixed(2)} s`;
const pct = (value: number) => `${Math.round(value * 100)} %`;
