// Runs a failed turn or task run again: the same workflow id (turns use the reuse policy
// ALLOW_DUPLICATE_FAILED_ONLY, so only a failed id can run again), the same input read
// from the failed run's start event, and the same search attributes and memo, plus
// `retryOf` so the Web UI links the new run to the one it repeats. A turn is queued in
// its group's workflow (a job), so it runs after the turn running there, never beside it;
// a task run is started again and queues its own turn the same way.
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { arrayFromPayloads } from '@temporalio/common';
import { agentTurnWorkflow } from '../workflows/agent-turn.js';
import { groupWorkflowId } from '../contracts/ids.js';
import { ALL_SEARCH_ATTRIBUTES, CHAT, KIND } from '../contracts/search-attributes.js';
import type { AgentTurnInput } from '../contracts/types.js';
import { queueGroupJob } from './group-starter.js';
import { ENDED_BADLY, RUN_KINDS } from './runs.js';

export class RetryRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryRefused';
  }
}

export interface RetryStarted {
  workflowId: string;
  failedRunId: string;
  /** The new run; undefined while it waits in its group's queue behind other turns. */
  runId?: string;
  /** Where it was queued, for a turn: `group:<folder>`. */
  queuedIn?: string;
}

/** How long `retry` waits to see a queued turn start before saying it is queued. */
const SEE_START_MS = 5_000;

export async function retryRun(client: Client, workflowId: string): Promise<RetryStarted> {
  const failed = client.workflow.getHandle(workflowId);
  const described = await failed.describe().catch((error: Error) => {
    throw new RetryRefused(`No run ${workflowId} was found: ${error.message}\nList failed runs with \`babybot runs --failed\`.`);
  });
  const kind = described.typedSearchAttributes.get(KIND);
  if (!kind || !(RUN_KINDS as readonly string[]).includes(kind)) {
    throw new RetryRefused(
      `${workflowId} is ${kind === 'group' ? "a group's conversation workflow" : `a ${described.type} workflow`}, not a turn or task run; ` +
        'only turns and task runs can be retried. Find the failed one with `babybot runs --failed`.',
    );
  }
  const status = described.status.name;
  if (!ENDED_BADLY.has(status)) {
    throw new RetryRefused(
      `The latest run of ${workflowId} (${described.runId}) is ${status === 'RUNNING' ? 'still running' : status.toLowerCase().replace(/_/g, ' ')}, ` +
        'not failed: there is nothing to retry.',
    );
  }

  const history = await failed.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new RetryRefused(`The history of ${workflowId} run ${described.runId} has no start event to read the input from.`);
  const [input, ...rest] = arrayFromPayloads(client.options.loadedDataConverter.payloadConverter, started.input?.payloads);
  const retryInput = typeof input === 'object' && input !== null ? { ...input, retryOf: described.runId } : input;
  const summary = await described.staticSummary();

  const memo = { ...described.memo, retryOf: described.runId };
  const staticSummary = summary ? `retry: ${summary}`.slice(0, 200) : `retry of ${described.runId}`;
  if (described.type === agentTurnWorkflow.name) {
    const turn = retryInput as AgentTurnInput;
    const chat = described.typedSearchAttributes.get(CHAT) ?? '';
    await queueGroupJob(client, { workflows: described.taskQueue }, { folder: turn.folder, jid: chat, name: turn.folder }, {
      id: `retry:${described.runId}`,
      turnId: workflowId,
      input: turn,
      chat,
      memo,
      summary: staticSummary,
    });
    return { workflowId, failedRunId: described.runId, runId: await newRunOf(client, workflowId, described.runId), queuedIn: groupWorkflowId(turn.folder) };
  }
  const handle = await client.workflow.start(described.type, {
    workflowId,
    taskQueue: described.taskQueue,
    args: [retryInput, ...rest],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    // BabyBot's own attributes only: the server's (e.g. TemporalWorkerDeployment) cannot be set.
    typedSearchAttributes: ALL_SEARCH_ATTRIBUTES.flatMap((key) => {
      const value = described.typedSearchAttributes.get(key);
      return value === undefined ? [] : [{ key, value }];
    }),
    memo,
    staticSummary,
  });
  return { workflowId, failedRunId: described.runId, runId: handle.firstExecutionRunId };
}

/** The run that replaced the failed one, once its group has started it (undefined while it is queued). */
async function newRunOf(client: Client, workflowId: string, failedRunId: string): Promise<string | undefined> {
  const deadline = Date.now() + SEE_START_MS;
  while (Date.now() < deadline) {
    const latest = await client.workflow.getHandle(workflowId).describe();
    if (latest.runId !== failedRunId) return latest.runId;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}
