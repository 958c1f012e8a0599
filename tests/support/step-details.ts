// What the Web UI shows of a turn's steps, read the way it reads them: each activity's
// type, summary and result from the run's history, and a pending step's last heartbeat.
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { eventually as waitUntil } from './eventually.js';

export interface StepRecord {
  type: string;
  result?: unknown;
  failure?: string;
}

export async function stepsOf(client: Client, workflowId: string): Promise<StepRecord[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, StepRecord>();
  const steps: StepRecord[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) {
      const step = { type: s.activityType?.name ?? '' };
      scheduled.set(String(event.eventId), step);
      steps.push(step);
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const step = scheduled.get(String(done.scheduledEventId));
      const payload = done.result?.payloads?.[0];
      if (step && payload) step.result = defaultPayloadConverter.fromPayload(payload);
    }
    const failed = event.activityTaskFailedEventAttributes;
    if (failed) {
      const step = scheduled.get(String(failed.scheduledEventId));
      if (step) step.failure = failed.failure?.message ?? '';
    }
  }
  return steps;
}

/** The last heartbeat details of the run's pending activity, if one is running. */
export async function pendingHeartbeat(client: Client, workflowId: string): Promise<Record<string, unknown> | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
  const payload = description?.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
  return payload ? (defaultPayloadConverter.fromPayload(payload) as Record<string, unknown>) : undefined;
}

/** The old signature of ./eventually.ts, for the tests not yet moved to it. */
export const eventually = <T>(read: () => Promise<T | undefined>, ms: number, what: string): Promise<T> =>
  waitUntil(read, { timeoutMs: ms, what, intervalMs: 200 }) as Promise<T>;
