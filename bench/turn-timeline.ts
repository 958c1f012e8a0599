// Where a turn's time goes, read from its own history (event times are the server's): the
// waits in task queues (scheduled → started) and the work on the workers (started →
// completed), for workflow tasks and activities apart. The rest of a turn's measured
// latency is outside the turn workflow: the hand-over, the group workflow, the child start.
import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time.js';
import type { temporal } from '@temporalio/proto';
import { percentile } from './stats.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

interface TurnTimeline {
  totalMs: number;
  workflowTaskQueueMs: number;
  workflowTaskRunMs: number;
  activityQueueMs: number;
  activityRunMs: number;
  workflowTasks: number;
  activities: number;
}

function timelineOf(events: HistoryEvent[]): TurnTimeline {
  const at = (event: HistoryEvent) => optionalTsToMs(event.eventTime) ?? 0;
  const byId = new Map(events.map((event) => [Number(event.eventId), event]));
  const since = (id: unknown, event: HistoryEvent) => at(event) - at(byId.get(Number(id))!);
  const timeline: TurnTimeline = { totalMs: at(events.at(-1)!) - at(events[0]), workflowTaskQueueMs: 0, workflowTaskRunMs: 0, activityQueueMs: 0, activityRunMs: 0, workflowTasks: 0, activities: 0 };
  for (const event of events) {
    if (event.workflowTaskStartedEventAttributes) timeline.workflowTaskQueueMs += since(event.workflowTaskStartedEventAttributes.scheduledEventId, event);
    if (event.workflowTaskCompletedEventAttributes) {
      timeline.workflowTaskRunMs += since(event.workflowTaskCompletedEventAttributes.startedEventId, event);
      timeline.workflowTasks++;
    }
    if (event.activityTaskStartedEventAttributes) timeline.activityQueueMs += since(event.activityTaskStartedEventAttributes.scheduledEventId, event);
    if (event.activityTaskCompletedEventAttributes) {
      timeline.activityRunMs += since(event.activityTaskCompletedEventAttributes.startedEventId, event);
      timeline.activities++;
    }
  }
  return timeline;
}

/** Prints the medians over the turns named (their workflow ids). */
export async function printTurnTimelines(client: Client, turnIds: string[], latencyP50: number): Promise<void> {
  const timelines = await Promise.all(
    turnIds.map(async (id) => timelineOf((await client.workflow.getHandle(id).fetchHistory()).events ?? [])),
  );
  const p50 = (key: keyof TurnTimeline) => percentile(timelines.map((t) => t[key]), 50);
  const total = p50('totalMs');
  console.log(
    `  where it goes (p50 of ${timelines.length} turns, from their histories): the turn workflow ${total.toFixed(0)} ms of the ${latencyP50.toFixed(0)} ms; ` +
      `${p50('workflowTasks')} workflow tasks: ${p50('workflowTaskQueueMs').toFixed(0)} ms waiting in the queue, ${p50('workflowTaskRunMs').toFixed(0)} ms on the worker; ` +
      `${p50('activities')} activities: ${p50('activityQueueMs').toFixed(0)} ms waiting, ${p50('activityRunMs').toFixed(0)} ms running; ` +
      `the other ${(latencyP50 - total).toFixed(0)} ms are the hand-over, the group workflow and the child's start`,
  );
}
