// `npm run bench agent`: does a real model use BabyBot's tools? Each request of
// agent-requests.ts goes to a group of its own (its files and tasks set up first) of a real
// BabyBot: the real Ollama and model, the real sandbox image, a real Temporal dev server.
// Its effect is checked mechanically, and the table gives per model: the share of right
// effects, wrong tool, wrong arguments, no call where one was needed, a raw tool call sent to
// the person, turns cut at the step limit, repeated calls not run, calls read from the
// answer's text, and the median time per request.
//
// "before" is derived from the same run, exactly: BabyBot before content calls were read
// ended a turn at the first step whose calls were in the text and sent that text to the
// person; a request counts as right before only when no step needed reading.
//
// OLLAMA_MODEL=a,b names the models (default: the component's Qwen2.5-Coder 0.5B);
// BENCH_AGENT_ONLY=id,id runs some requests; BENCH_AGENT_MAX_STEPS (default 6).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerRuntime } from '../container/runtime/docker.js';
import { turnWorkflowId } from '../contracts/ids.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { TaskService, type TaskActor } from '../tasks/task-service.js';
import { looksLikeRawCall, turnRecord, type TurnRecord } from '../tests/real-model/turn-steps.js';
import { startBabyBot, type BabyBot } from '../workers/composition-root.js';
import { REQUESTS, type BenchRequest } from './agent-requests.js';
import { percentile } from './stats.js';
import { postMessage, startBenchEnvironment } from './support.js';

type Verdict = 'right' | 'wrong tool' | 'wrong arguments' | 'no call';

interface Row {
  id: string;
  verdict: Verdict;
  rawCall: boolean;
  loopCut: boolean;
  repeats: number;
  fromContent: boolean;
  /** A step answered with a call of reply (contracts/tools/reply-tool.ts). */
  viaReplyCall: boolean;
  rightBefore: boolean;
  rawCallBefore: boolean;
  ms: number;
  tools: string;
  /** Each call as the model wrote it, for a request without the right effect: what to fix. */
  calls: string;
  /** For a request about a task: the tasks the host's note named (or that it named none). */
  taskNote?: string;
  reply: string;
}

const OWNER: TaskActor = { isMain: true, label: 'bench' };

export async function run(): Promise<void> {
  const url = process.env.BABYBOT_REAL_OLLAMA_URL;
  const docker = process.env.DOCKER_HOST;
  if (!url || !docker) {
    console.log('skipped: needs the real Ollama and Docker (source .cache/test-env.sh after scripts/components/{ollama,docker}.sh).');
    return;
  }
  const models = (process.env.OLLAMA_MODEL ?? process.env.BABYBOT_REAL_TOOL_MODEL ?? 'babybot-qwen-0.5b').split(',');
  const only = process.env.BENCH_AGENT_ONLY?.split(',');
  const requests = REQUESTS.filter((r) => !only || only.includes(r.id));
  const summaries: string[] = [];
  for (const model of models) {
    const rows = await benchModel(url, docker, model, requests);
    summaries.push(summarise(model, rows));
  }
  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(['', HEADER, ...summaries].join('\n'));
}

async function benchModel(url: string, docker: string, model: string, requests: BenchRequest[]): Promise<Row[]> {
  const bench = await startBenchEnvironment('agent', {
    OLLAMA_HOST: url,
    OLLAMA_MODEL: model,
    OLLAMA_KEEP_ALIVE: '30m',
    CONTAINER_RUNTIME: 'docker',
    DOCKER_HOST: docker,
    ...(process.env.SANDBOX_IMAGE ? { SANDBOX_IMAGE: process.env.SANDBOX_IMAGE } : {}),
    AGENT_MAX_STEPS: process.env.BENCH_AGENT_MAX_STEPS ?? '6',
    MODEL_TIMEOUT: '15m',
    TZ: 'UTC',
  });
  const bot = await startBabyBot(loadConfig(bench.env), createLogger('silent'));
  const tasks = TaskService.forConfig(bot.client, bot.config, (folder) => bot.store.groupByFolder(folder));
  const rows: Row[] = [];
  try {
    console.log(`\nmodel ${model} at ${url}, ${requests.length} requests`);
    for (const request of requests) {
      const row = await runRequest(bot, tasks, request);
      rows.push(row);
      console.log(
        `${row.verdict === 'right' ? 'ok  ' : 'FAIL'} ${request.id.padEnd(18)} ${(row.ms / 1000).toFixed(1).padStart(6)} s  ` +
          `${row.verdict}${row.rawCall ? ', RAW CALL SENT' : ''}${row.loopCut ? ', cut at the step limit' : ''}` +
          `${row.repeats ? `, ${row.repeats} repeat(s) not run` : ''}${row.fromContent ? ', calls read from text' : ''}${row.viaReplyCall ? ', answered by a reply call' : ''}  ` +
          `tools: ${row.tools || '-'}  reply: ${JSON.stringify(row.reply.slice(0, 100))}`,
      );
      if (row.verdict !== 'right' && row.calls) console.log(`       calls: ${row.calls}`);
      if (row.verdict !== 'right' && row.taskNote) console.log(`       note: ${row.taskNote}`);
    }
  } finally {
    if (bot.sandbox instanceof DockerRuntime) {
      for (const container of await bot.sandbox.list()) await bot.sandbox.remove(container.name);
    }
    await bot.stop();
    await bench.close();
  }
  return rows;
}

async function runRequest(bot: BabyBot, tasks: TaskService, request: BenchRequest): Promise<Row> {
  const folder = `b-${request.id}`;
  // Every group has the same display name, so the system prompt and tools are the same
  // bytes for each request: Ollama reads them once and keeps them as its cached prefix.
  bot.store.addGroup({ folder, jid: `local:${folder}`, name: 'bench', triggerWord: null, requiresTrigger: false, isMain: false });
  const groupDir = path.join(bot.config.groupsDir, folder);
  fs.mkdirSync(groupDir, { recursive: true });
  for (const [name, content] of Object.entries(request.files ?? {})) fs.writeFileSync(path.join(groupDir, name), content);
  if (request.task) {
    await tasks.create(OWNER, { prompt: request.task.prompt, when: { cron: request.task.cron }, group: folder }, '3c9e1a7f');
    // A person asks about a task made earlier: by then visibility lists it (the note names it).
    for (let tries = 0; tries < 100 && !(await tasks.tasksInBrief(folder, 1))?.tasks.length; tries++) await new Promise((r) => setTimeout(r, 100));
  }
  const sentAt = new Date();
  const began = performance.now();
  await postMessage(bot, folder, request.text, 'ask');
  const record = await turnRecord(bot.client, turnWorkflowId(folder, 'ask'));
  const ms = performance.now() - began;
  const reply = bot.store.messagesSince(`local:${folder}`).filter((m) => m.fromAssistant).map((m) => m.text).join('\n');
  // Visibility lists a new or deleted schedule a moment late.
  await new Promise((r) => setTimeout(r, 1500));
  const taskList = await tasks.list(OWNER, folder);
  const right = safely(() => request.effect({ reply, record, groupDir, tasks: taskList, sentAt }));
  const called = record.tools.map((t) => t.tool);
  return {
    id: request.id,
    verdict: verdictOf(request, right, called),
    rawCall: looksLikeRawCall(reply),
    loopCut: record.result.stoppedAtStepLimit || record.result.stoppedRepeating === true,
    repeats: record.tools.length < record.result.toolCalls ? record.result.toolCalls - record.tools.length : 0,
    fromContent: record.modelSteps.some((s) => s.callsFromContent),
    viaReplyCall: record.modelSteps.some((s) => s.answeredByReplyCall),
    ...before(record, right),
    ms,
    tools: called.join(','),
    calls: record.modelSteps.flatMap((s) => s.toolCalls.map((c) => `${c.function.name}(${JSON.stringify(c.function.arguments)})`)).join(' ').slice(0, 300),
    ...(request.task ? { taskNote: JSON.stringify(/This chat's scheduled tasks:[\s\S]*/.exec(record.hostNotes[0] ?? '')?.[0] ?? 'no tasks named') } : {}),
    reply,
  };
}

function verdictOf(request: BenchRequest, right: boolean, called: string[]): Verdict {
  if (right) return 'right';
  if (request.tools.length === 0) return 'wrong tool';
  if (called.length === 0) return 'no call';
  return called.some((tool) => request.tools.includes(tool)) ? 'wrong arguments' : 'wrong tool';
}

/** What BabyBot did before calls in the text were read: the first such step's text was the reply. */
function before(record: TurnRecord, right: boolean): { rightBefore: boolean; rawCallBefore: boolean } {
  const first = record.modelSteps.find((s) => s.callsFromContent);
  return { rightBefore: right && !first, rawCallBefore: first !== undefined || looksLikeRawCall(record.result.reply) };
}

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

const HEADER =
  '| model | requests | right effect | wrong tool | wrong args | no call | raw call sent | loop cut | repeats not run | calls from text | answered by reply call | median s/request | right before | raw call before |\n' +
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|';

function summarise(model: string, rows: Row[]): string {
  const count = (f: (r: Row) => boolean) => rows.filter(f).length;
  const pct = (n: number) => `${Math.round((n / Math.max(1, rows.length)) * 100)} %`;
  const right = count((r) => r.verdict === 'right');
  const rightBefore = count((r) => r.rightBefore);
  return (
    `| ${model} | ${rows.length} | ${right} (${pct(right)}) | ${count((r) => r.verdict === 'wrong tool')} | ` +
    `${count((r) => r.verdict === 'wrong arguments')} | ${count((r) => r.verdict === 'no call')} | ${count((r) => r.rawCall)} | ` +
    `${count((r) => r.loopCut)} | ${rows.reduce((n, r) => n + r.repeats, 0)} | ${count((r) => r.fromContent)} | ${count((r) => r.viaReplyCall)} | ` +
    `${(percentile(rows.map((r) => r.ms), 50) / 1000).toFixed(1)} | ${rightBefore} (${pct(rightBefore)}) | ${count((r) => r.rawCallBefore)} |`
  );
}
