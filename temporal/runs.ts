// Finds BabyBot's recent turns and task runs through Temporal's visibility store, and the
// reason a closed run did not succeed, read from its history: what `babybot runs` shows.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { GROUP, KIND } from '../contracts/search-attributes.js';

/** The kinds of run a person asks about: turns answering messages, and scheduled task runs. */
export const RUN_KINDS = ['message', 'task'] as const;
/** What `babybot runs` lists: those, and the sub-agents they started (shown under their turn, not retried on their own). */
const LISTED_KINDS = [...RUN_KINDS, 'agent'] as const;

/** The statuses of a run that ended without doing its work: `runs --failed` lists them, `retry` reruns them. */
export const ENDED_BADLY: ReadonlySet<string> = new Set(['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED']);

export interface RunFilter {
  failed?: boolean;
  group?: string;
  limit: number;
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  type: string;
  group?: string;
  kind?: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  durationMs: number;
  /** The first words of what the run answers (the turn's memo). */
  text?: string;
  /** Why a closed run did not succeed, for failed, timed-out and terminated runs. */
  cause?: string;
  retryOf?: string;
  /** A sub-agent's turn (its memo): the run it is listed under. */
  parent?: string;
}

/** Statuses `--failed` lists: the run ended without doing its work. */
const FAILED_STATUSES = ['Failed', 'TimedOut'];

/** A visibility query; every value is quoted, and the folder was validated by the caller. */
export function runsQuery(filter: Pick<RunFilter, 'failed' | 'group'>): string {
  const quote = (value: string) => `'${value.replace(/['\\]/g, '\\$&')}'`;
  const parts = [`${KIND.name} IN (${LISTED_KINDS.map(quote).join(', ')})`];
  if (filter.group) parts.push(`${GROUP.name} = ${quote(filter.group)}`);
  if (filter.failed) parts.push(`ExecutionStatus IN (${FAILED_STATUSES.map(quote).join(', ')})`);
  return parts.join(' AND ');
}

export async function listRuns(client: Client, filter: RunFilter, now = new Date()): Promise<RunSummary[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query: runsQuery(filter), pageSize: Math.min(filter.limit, 100) })) {
    found.push(info);
    if (found.length >= filter.limit) break;
  }
  found.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  return underTheirTurns(await Promise.all(found.map((info) => summarise(client, info, now))));
}

/** Newest first, each sub-agent right under its turn when the turn is listed (in the order they started). */
export function underTheirTurns(runs: RunSummary[]): RunSummary[] {
  const listed = new Set(runs.map((run) => run.workflowId));
  const childrenOf = (id: string) => runs.filter((run) => run.parent === id).reverse();
  return runs.flatMap((run) => (run.parent && listed.has(run.parent) ? [] : [run, ...childrenOf(run.workflowId)]));
}

async function summarise(client: Client, info: WorkflowExecutionInfo, now: Date): Promise<RunSummary> {
  const memo = info.memo ?? {};
  const status = info.status.name;
  const ended = ENDED_BADLY.has(status);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    group: info.typedSearchAttributes.get(GROUP),
    kind: info.typedSearchAttributes.get(KIND),
    status,
    startTime: info.startTime,
    closeTime: info.closeTime,
    durationMs: (info.closeTime ?? now).getTime() - info.startTime.getTime(),
    text: typeof memo.text === 'string' ? memo.text : typeof memo.prompt === 'string' ? memo.prompt : undefined,
    cause: ended ? await closingReason(client, info.workflowId, info.runId) : undefined,
    retryOf: typeof memo.retryOf === 'string' ? memo.retryOf : undefined,
    parent: typeof memo.parent === 'string' ? memo.parent : undefined,
    ...(typeof memo.brief === 'string' ? { text: memo.brief } : {}),
  };
}

/** Why a run ended badly, from the last event of its history (the failure's own message). */
export async function closingReason(client: Client, workflowId: string, runId: string): Promise<string | undefined> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const last = history.events?.at(-1);
  if (!last) return undefined;
  if (last.workflowExecutionFailedEventAttributes) return failureText(last.workflowExecutionFailedEventAttributes.failure);
  if (last.workflowExecutionTimedOutEventAttributes) return 'the run timed out (its workflow execution or run timeout passed)';
  if (last.workflowExecutionTerminatedEventAttributes) {
    return `terminated: ${last.workflowExecutionTerminatedEventAttributes.reason || 'no reason given'}`;
  }
  if (last.workflowExecutionCanceledEventAttributes) return 'cancelled';
  return undefined;
}

/** The failure's message, with its type, e.g. "ModelRequestRejected: Ollama rejected the request (400): …". */
function failureText(failure: temporal.api.failure.v1.IFailure | null | undefined): string {
  if (!failure) return 'failed (no failure recorded)';
  const type = failure.applicationFailureInfo?.type;
  return type ? `${type}: ${failure.message}` : (failure.message ?? 'failed');
}
