// Which groups are stuck, as Temporal sees them: what `babybot runs --stuck` and a line of
// `babybot doctor` show. A group is stuck when its workflow tasks keep failing (a bug, a
// payload, a deploy: it cannot even take a message), when it does not answer its queue
// query, when its turn has run longer than a turn's bound (what it waits for is named: a
// step's attempts and last failure, e.g. WhatsApp not connected), or when work waits in its
// queue with no turn running (its turns fail to start).
import type { Client } from '@temporalio/client';
import { formatDuration } from '../lib/duration.js';
import { GROUP, KIND } from '../contracts/search-attributes.js';
import { turnBoundMs } from '../contracts/turn-bound.js';
import { askQueue, type GroupQueue } from './group-jobs.js';

export interface StuckGroup {
  folder: string;
  workflowId: string;
  runId: string;
  /** Why, in a sentence. */
  reason: string;
  /** The turn it is stuck on, when one runs. */
  turn?: { workflowId: string; runId: string };
}

export interface StuckOptions {
  /** A turn's bound: AGENT_MAX_STEPS × MODEL_TIMEOUT + 10 minutes (workflows/agent-turn.ts). */
  turnBoundMs: number;
  now?: Date;
  /** At most this many running groups are looked at. */
  limit?: number;
}

/** The bound a turn holds itself to, from the configuration. */
export function configuredTurnBoundMs(config: { AGENT_MAX_STEPS: number; MODEL_TIMEOUT: number }): number {
  return turnBoundMs({ maxSteps: config.AGENT_MAX_STEPS, modelTimeoutMs: config.MODEL_TIMEOUT });
}

export async function findStuckGroups(client: Client, options: StuckOptions): Promise<StuckGroup[]> {
  const now = options.now ?? new Date();
  const stuck: StuckGroup[] = [];
  let seen = 0;
  for await (const group of client.workflow.list({ query: `${KIND.name} = 'group' AND ExecutionStatus = 'Running'` })) {
    if (++seen > (options.limit ?? 1000)) break;
    const folder = group.typedSearchAttributes.get(GROUP) ?? group.workflowId.replace(/^group:/, '');
    const base = { folder, workflowId: group.workflowId, runId: group.runId };
    const reason = await whyStuck(client, group.workflowId, group.runId, options.turnBoundMs, now);
    if (reason) stuck.push({ ...base, ...reason });
  }
  return stuck.sort((a, b) => a.folder.localeCompare(b.folder));
}

async function whyStuck(client: Client, workflowId: string, runId: string, boundMs: number, now: Date): Promise<Omit<StuckGroup, 'folder' | 'workflowId' | 'runId'> | undefined> {
  const handle = client.workflow.getHandle(workflowId, runId);
  const described = await handle.describe();
  const task = described.raw.pendingWorkflowTask;
  if (task && (task.attempt ?? 1) > 1) {
    const failed = task.attempt! - 1;
    return { reason: `its workflow task has failed ${failed} time${failed === 1 ? '' : 's'} (a bug, a payload or a deploy): it cannot take any message. The Web UI shows the failure.` };
  }
  let queue: GroupQueue;
  try {
    queue = await askQueue(handle);
  } catch (error) {
    return { reason: `it does not answer its queue query: ${(error as Error).message.split('\n')[0]}` };
  }
  const waiting = queue.queued.length + queue.jobs.length;
  if (!queue.current) {
    return waiting > 0 ? { reason: `${waiting} waiting (${queue.queued.length} messages, ${queue.jobs.length} jobs) and no turn running: its turns fail to start.` } : undefined;
  }
  const turn = await client.workflow.getHandle(queue.current).describe();
  const runningMs = now.getTime() - turn.startTime.getTime();
  if (turn.status.name === 'RUNNING' && runningMs <= boundMs) return undefined;
  const where = { workflowId: turn.workflowId, runId: turn.runId };
  if (turn.status.name !== 'RUNNING') {
    return { reason: `its current turn ${turn.workflowId} ended (${turn.status.name.toLowerCase()}) but the group has not moved on.`, turn: where };
  }
  const step = turn.raw.pendingActivities?.[0];
  const doing = step
    ? `; it waits for ${step.activityType?.name ?? 'a step'} (attempt ${step.attempt ?? 1}${step.lastFailure?.message ? `, last failure: ${step.lastFailure.message.split('\n')[0]}` : ''})`
    : '';
  return {
    reason: `its turn ${turn.workflowId} has run for ${formatDuration(runningMs)}, longer than a turn's bound (${formatDuration(boundMs)})${doing}; ${waiting} waiting behind it.`,
    turn: where,
  };
}
