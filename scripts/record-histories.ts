// Records the histories the replay test (tests/replay/replay.test.ts) replays on every CI
// run: real runs of a real BabyBot on its own embedded Temporal server, with the scripted
// model standing in for Ollama, on the default path (context and delivery as local
// activities, task runs as group jobs). Each recording is a new set in a folder of its own
// (tests/replay/histories/<SET>/); older sets stay, since runs they stand for may still be in
// flight (docs/architecture.md, "Changing workflow code"). A set is named by its date, and a
// second set of the same day by its date and a letter:
//   node --import tsx scripts/record-histories.ts 2026-12-07
//   node --import tsx scripts/record-histories.ts 2026-12-07b
// A set may keep only the histories its change is about (2026-12-07f: /model's pull;
// 2026-12-07g: sub-agents; 2026-12-07i: a failed call read from text), the others being the same as the set before.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { lastUserText, OllamaStub } from '../tests/support/ollama-stub.js';
import { freePort } from '../tests/support/ports.js';
import { startBabyBot } from '../workers/composition-root.js';
import { decideApproval } from '../activities/approval-activities.js';
import { tellWaitingTurn } from '../temporal/approvals.js';
import { groupWorkflowId, turnWorkflowId } from '../contracts/ids.js';
import { babybotAttributes } from '../contracts/search-attributes.js';
import { taskQueues } from '../contracts/task-queue-names.js';

const SET = process.argv[2];
if (!SET || !/^\d{4}-\d{2}-\d{2}[a-z]?$/.test(SET)) {
  throw new Error('Name the set of histories by its date, with a letter for a second set of the same day: record-histories.ts YYYY-MM-DD[b]');
}
const OUT_DIR = path.resolve(import.meta.dirname, '../tests/replay/histories', SET);
/** The group rolls over after these three turns, so its first run ends in continue-as-new (and its third). */
const TURNS_PER_RUN = 3;

Runtime.install({ logger: new DefaultLogger('ERROR') });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-record-'));
const ollama = await new OllamaStub().start();
/** The model step of the turn that is terminated while it runs: held until the turn is gone. */
let holding: { release: () => void } | undefined;
// One script for every run: what the model does depends only on the message it is answering.
ollama.setScript((request) => {
  // A sub-agent (its host note opens its conversation): it answers its brief.
  if (request.messages[1]?.content.includes('You are a sub-agent')) return { content: `Found: ${lastUserText(request)}` };
  const text = lastUserText(request);
  // Sub-agents: three waited for, or one in the background.
  if (/helpers/i.test(text)) {
    if (request.messages.at(-1)?.role === 'tool') return { content: 'Done: the helpers answered.' };
    const background = /background/i.test(text);
    const tasks = (background ? ['the tides'] : ['the weather', 'the news', 'the markets']).map((topic) => ({ brief: `Find ${topic} for today` }));
    return { toolCalls: [{ name: 'delegate', arguments: { tasks, ...(background ? { wait: false } : {}) } }] };
  }
  // The same call twice in one turn: the second is not run, the model is handed the first's result.
  if (/twice/i.test(text)) {
    const lastUser = request.messages.findLastIndex((m) => m.role === 'user');
    const results = request.messages.slice(lastUser).filter((m) => m.role === 'tool').length;
    if (results < 2) return { toolCalls: [{ name: 'remember', arguments: { note: 'The owner has a cat called Miso.' } }] };
    return { content: 'Done: I noted it once.' };
  }
  // The same call again and again, also after being told it has the result: the turn ends with it.
  if (/loops/i.test(text)) return { toolCalls: [{ name: 'remember', arguments: { note: 'The owner has a dog called Rex.' } }] };
  // A small model that writes its call as text: read as a call, and the host's note asks for the answer.
  if (/as text/i.test(text)) {
    if (request.messages.at(-1)?.role === 'user' && request.messages.at(-2)?.role === 'tool') return { content: 'Noted: you like jazz.' };
    return { content: '{"name": "remember", "arguments": {"note": "The owner likes jazz."}}' };
  }
  // A call written as text that fails: no note asks for the answer, the model corrects the call.
  if (/correct/i.test(text)) {
    const last = request.messages.at(-1);
    if (last?.role === 'user' && request.messages.at(-2)?.role === 'tool') return { content: 'Noted: you like chess.' };
    if (last?.role === 'tool') return { content: '{"name": "remember", "arguments": {"note": "The owner likes chess."}}' };
    return { content: '{"name": "remember", "arguments": {"fact": "The owner likes chess."}}' };
  }
  // Words beside the call ("on it"): sent at once as the interim message, then the answer.
  if (/interim/i.test(text)) {
    if (request.messages.at(-1)?.role === 'tool') return { content: 'Done: noted, you like soup.' };
    return { content: 'On it: noting that now.', toolCalls: [{ name: 'remember', arguments: { note: 'The owner likes soup.' } }] };
  }
  // Nothing at all (a thinking model out of budget): the chat is told so.
  if (/silent/i.test(text)) return { content: '' };
  // Thinks until the turn is terminated from outside.
  if (/forever/i.test(text)) return new Promise((resolve) => (holding = { release: () => resolve({ content: 'never delivered' }) }));
  const last = request.messages.at(-1);
  if (last?.role === 'tool') return { content: 'Done: I will remember that.' };
  if (/remember/i.test(text)) return { toolCalls: [{ name: 'remember', arguments: { note: 'The owner drinks tea, never coffee.' } }] };
  // A call whose arguments break the tool's schema: the model reads the error and answers.
  if (/wrongly/i.test(text)) return { toolCalls: [{ name: 'remember', arguments: { notes: 42 } }] };
  if (/break/i.test(text)) return { status: 400, error: 'scripted: the request was malformed' };
  if (/good morning/i.test(text)) return { content: 'Good morning! Here is your summary.' };
  return { content: 'Hello! How can I help?' };
});

const config = loadConfig({
  DATA_DIR: path.join(dir, 'data'),
  GROUPS_DIR: path.join(dir, 'groups'),
  HTTP_PORT: '0',
  TEMPORAL_PORT: String(await freePort()),
  TEMPORAL_UI_PORT: String(await freePort()),
  TEMPORAL_CLI: process.env.TEMPORAL_CLI,
  OLLAMA_HOST: ollama.url,
  CONTAINER_RUNTIME: 'none',
  WHATSAPP_ENABLED: 'off',
  TZ: 'UTC',
  LOG_LEVEL: 'warn',
});
const bot = await startBabyBot(config, createLogger(config.LOG_LEVEL), { turnsPerRun: TURNS_PER_RUN });

try {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const client = bot.client;
  const post = async (id: string, text: string) => {
    const res = await fetch(`${bot.httpUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.httpToken}` },
      body: JSON.stringify({ chat: 'main', text, id, sender: 'owner' }),
    });
    if (res.status !== 202) throw new Error(`posting ${id} answered ${res.status}: ${await res.text()}`);
  };

  // Turns run one after the other in the group, so post each once the previous one ended.
  await post('plain-1', 'Hello there');
  await save(client, 'plain-turn', await closedRun(client, turnWorkflowId('main', 'plain-1')));
  await post('tools-1', 'Please remember that I drink tea');
  await save(client, 'tool-turn', await closedRun(client, turnWorkflowId('main', 'tools-1')));
  await post('failed-1', 'This one will break the model');
  await save(client, 'failed-turn', await closedRun(client, turnWorkflowId('main', 'failed-1')));
  await post('invalid-1', 'Please note this wrongly');
  await save(client, 'invalid-tool-argument', await closedRun(client, turnWorkflowId('main', 'invalid-1')));

  // The third turn ended the group's first run: it continued as new.
  const group = await client.workflow.getHandle(groupWorkflowId('main')).describe();
  const firstRun = (await client.workflow.getHandle(groupWorkflowId('main')).fetchHistory()).events?.[0]
    ?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
  if (!firstRun) throw new Error(`group:main (run ${group.runId}) has no first run id in its start event`);
  await save(client, 'group-continue-as-new', await closedRun(client, groupWorkflowId('main'), firstRun));

  // A task run, started as its Schedule starts it (same type, input, attributes and memo):
  // it queues its turn in the group's workflow and waits for it; the turn is the group's child.
  const taskId = 'task:main:record-1';
  await client.workflow.start('scheduledTaskWorkflow', {
    workflowId: `${taskId}-2025-01-01T08:00:00Z`,
    taskQueue: taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX).workflows,
    args: [{ folder: 'main', task: { taskId, prompt: 'Say good morning with a summary', isolated: true } }],
    memo: { prompt: 'Say good morning with a summary', createdBy: 'record-histories', context: 'isolated' },
    typedSearchAttributes: babybotAttributes({ group: 'main', kind: 'task' }),
  });
  await save(client, 'task-run', await closedRun(client, `${taskId}-2025-01-01T08:00:00Z`));
  await save(client, 'task-turn', await closedRun(client, turnWorkflowId('main', 'task-record-1-2025-01-01T08:00:00Z')));

  // Cancelled from the Web UI while idle: the run continues as new with its queue (and memory).
  const cancelled = client.workflow.getHandle(groupWorkflowId('main'));
  const cancelledRun = (await cancelled.describe()).runId;
  await cancelled.cancel();
  await save(client, 'group-cancelled', await closedRun(client, groupWorkflowId('main'), cancelledRun));

  // The group's next run. A turn terminated while its model step runs (from the Web UI or
  // the command line): the group tells the chat, then answers the next message.
  const terminatedRun = (await client.workflow.getHandle(groupWorkflowId('main')).describe()).runId;
  await post('terminated-1', 'Think about this forever');
  const terminatedId = turnWorkflowId('main', 'terminated-1');
  await until('the turn to be thinking', () => holding !== undefined);
  await client.workflow.getHandle(terminatedId).terminate('record-histories: a turn terminated while it runs');
  holding?.release();
  await save(client, 'terminated-turn', await closedRun(client, terminatedId));
  // An empty answer from the model: the chat is told so instead of left silent.
  await post('empty-1', 'Stay silent, please');
  await save(client, 'empty-answer', await closedRun(client, turnWorkflowId('main', 'empty-1')));
  // The same call with the same arguments twice in one turn: the second is not run.
  await post('repeated-1', 'Please note twice that I have a cat');
  await save(client, 'repeated-call', await closedRun(client, turnWorkflowId('main', 'repeated-1')));
  // A model that keeps making that call after being told: the turn ends with its result.
  await post('loop-1', 'This one loops: note that I have a dog');
  await save(client, 'repeat-loop', await closedRun(client, turnWorkflowId('main', 'loop-1')));
  // A call written as text: run, then the host's note that asks for the answer.
  await post('text-call-1', 'Write your call as text: note that I like jazz');
  await save(client, 'call-as-text', await closedRun(client, turnWorkflowId('main', 'text-call-1')));
  // A call written as text whose arguments are wrong: the model reads the error, not the note, and corrects it.
  await post('text-correct-1', 'Write your call so that you must correct it: note that I like chess');
  await save(client, 'call-as-text-corrected', await closedRun(client, turnWorkflowId('main', 'text-correct-1')));
  // Words beside the first call: an interim message while the tool and the next step run.
  await post('interim-1', 'Say a word first (interim): note that I like soup');
  await save(client, 'interim-message', await closedRun(client, turnWorkflowId('main', 'interim-1')));
  // Three turns: the run continued as new, a closed run that holds the terminated turn.
  await save(client, 'group-terminated-turn', await closedRun(client, groupWorkflowId('main'), terminatedRun));

  // The next run: chat commands, answered beside the running turn (updates). /status while a
  // turn thinks, /stop cancels it, a message queued behind it is answered, /new, /model.
  const commandsRun = (await client.workflow.getHandle(groupWorkflowId('main')).describe()).runId;
  holding = undefined;
  await post('stopped-1', 'Think about this forever');
  await until('the turn to be thinking', () => holding !== undefined);
  await post('queued-1', 'Hello after the stop');
  await post('command-status', '/status');
  await until('the status reply', () => bot.store.delivery(`command:command-status`)?.status === 'sent');
  await post('command-stop', '/stop');
  await save(client, 'stopped-turn', await closedRun(client, turnWorkflowId('main', 'stopped-1')));
  // Set by the script's model while the turn thought (TypeScript cannot see that assignment).
  (holding as { release: () => void } | undefined)?.release();
  await post('command-new', '/new');
  await post('command-model', '/model');
  await closedRun(client, turnWorkflowId('main', 'queued-1'));
  await post('plain-2', 'Hello again');
  await save(client, 'group-commands', await closedRun(client, groupWorkflowId('main'), commandsRun));

  // A call the group's policy names waits for the owner's approval, which comes as an update.
  bot.store.setApproveTools('main', ['remember']);
  await post('approved-1', 'Please remember that approvals work');
  await until('the question', () => bot.store.waitingApprovals().length === 1);
  const [question] = bot.store.waitingApprovals();
  await decideApproval({ store: bot.store, tellTurn: (turn, decision) => tellWaitingTurn(client, turn, decision) }, { id: question.id, approved: true, by: 'record-histories' });
  await save(client, 'approved-call', await closedRun(client, turnWorkflowId('main', 'approved-1')));

  // /model with a model Ollama lacks: told "pulling", pulled by the pull step, then set; a name
  // the registry does not know is refused after its pull fails; a turn with the new model, then
  // the run is cancelled while idle (it continues as new) so its history is closed.
  const pullRun = (await client.workflow.getHandle(groupWorkflowId('main')).describe()).runId;
  ollama.unknownToRegistry.add('nosuch:7b');
  await post('command-pull', '/model qwen2.5:14b');
  await until('the pull reply', () => bot.store.delivery('command:command-pull')?.status === 'sent');
  await post('command-pull-unknown', '/model nosuch:7b');
  await until('the refusal', () => bot.store.delivery('command:command-pull-unknown')?.status === 'sent');
  await post('plain-3', 'Hello with the new model');
  await closedRun(client, turnWorkflowId('main', 'plain-3'));
  await client.workflow.getHandle(groupWorkflowId('main'), pullRun).cancel();
  await save(client, 'model-pull', await closedRun(client, groupWorkflowId('main'), pullRun));

  // Sub-agents: a turn that delegates to three and reads their results; one in the background,
  // whose result the group delivers between turns (the run is then cancelled while idle).
  const agentsRun = (await client.workflow.getHandle(groupWorkflowId('main')).describe()).runId;
  await post('delegate-1', 'Ask three helpers what happens today');
  await save(client, 'delegated-turn', await closedRun(client, turnWorkflowId('main', 'delegate-1')));
  await save(client, 'sub-agent', await closedRun(client, 'agent:main:delegate-1:1'));
  await post('background-1', 'Ask helpers in the background about the tides');
  await save(client, 'background-agent', await closedRun(client, 'agent:main:background-1:1'));
  await until('the background result', () => bot.store.delivery('agent-result:agent:main:background-1:1')?.status === 'sent');
  await client.workflow.getHandle(groupWorkflowId('main'), agentsRun).cancel();
  await save(client, 'group-agent-result', await closedRun(client, groupWorkflowId('main'), agentsRun));
} finally {
  await bot.stop();
  await ollama.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Waits until the run has closed (any way) and returns its ids. */
async function closedRun(client: Client, workflowId: string, runId?: string): Promise<{ workflowId: string; runId: string }> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const described = await client.workflow.getHandle(workflowId, runId).describe();
      if (described.status.name !== 'RUNNING') return { workflowId, runId: described.runId };
    } catch {
      // not started yet: the message is still on its way through the group's workflow
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${workflowId} did not close within 60s`);
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited 60s for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function save(client: Client, name: string, run: { workflowId: string; runId: string }): Promise<void> {
  const handle = client.workflow.getHandle(run.workflowId, run.runId);
  const [history, described] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  const file = path.join(OUT_DIR, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
  console.log(`${path.relative(process.cwd(), file)}: ${run.workflowId} ${described.status.name}, ${history.events?.length} events`);
}
