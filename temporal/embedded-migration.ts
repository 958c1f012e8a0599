// Moves what an embedded installation keeps only in its own Temporal server (the dev
// server's SQLite file) to a cluster: the search attributes, every Schedule (the tasks),
// and the messages its group workflows had accepted but not answered yet. Closed runs'
// histories cannot move: a cluster has no import for another server's history.
import type { Client, ScheduleDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { Group, StoredMessage } from '../lib/store/store.js';
import { folderOfWorkflowId, messageKey } from '../contracts/ids.js';
import type { AgentTurnInput, GroupWorkflowInput, InboundMessage } from '../contracts/types.js';

export interface MigrationDeps {
  source: Client;
  destination: Client;
  /** The destination's search attributes are made to exist (BabyBot's own helper). */
  ensureSearchAttributes(): Promise<void>;
  groupByFolder(folder: string): Group | undefined;
  storedMessage(chat: string, id: string): StoredMessage | undefined;
  /** Messages the store holds that were never handed to Temporal: the channel hands them over at start. */
  pendingInStore(): number;
  /** signalWithStart on the destination (temporal/group-starter.ts). */
  handOver(group: Group, message: StoredMessage): Promise<void>;
  log(line: string): void;
}

export interface MigrationReport {
  schedulesCopied: string[];
  schedulesAlreadyThere: string[];
  messagesHandedOver: number;
  messagesStillInStore: number;
  groupsClosed: string[];
}

const MOVED_NOTE = (to: string) => `moved to ${to} by babybot migrate-embedded`;

export async function migrateEmbedded(deps: MigrationDeps, destinationAddress: string): Promise<MigrationReport> {
  const report: MigrationReport = { schedulesCopied: [], schedulesAlreadyThere: [], messagesHandedOver: 0, messagesStillInStore: 0, groupsClosed: [] };
  await deps.ensureSearchAttributes();
  deps.log('search attributes: registered on the cluster');

  for await (const summary of deps.source.schedule.list()) {
    const source = deps.source.schedule.getHandle(summary.scheduleId);
    const described = await source.describe();
    if (await copySchedule(deps.destination, described)) {
      report.schedulesCopied.push(described.scheduleId);
      deps.log(`schedule ${described.scheduleId}: copied${described.state.paused ? ' (paused, as it was)' : ''}`);
    } else {
      report.schedulesAlreadyThere.push(described.scheduleId);
      deps.log(`schedule ${described.scheduleId}: already on the cluster, left as it is`);
    }
    // Paused here, so a restart of the embedded server could never run a task twice.
    if (!described.state.paused || described.state.note !== MOVED_NOTE(destinationAddress)) {
      await source.pause(MOVED_NOTE(destinationAddress));
    }
  }

  // Messages a group workflow had accepted but not answered: they move to the cluster's
  // group workflow now, in their chat's order; the embedded group is then closed.
  const groups = deps.source.workflow.list({ query: `WorkflowType = 'groupWorkflow' AND ExecutionStatus = 'Running'` });
  for await (const info of groups) {
    const folder = folderOfWorkflowId(info.workflowId);
    const group = folder === undefined ? undefined : deps.groupByFolder(folder);
    const handle = deps.source.workflow.getHandle(info.workflowId, info.runId);
    const unanswered = unansweredMessages((await handle.fetchHistory()).events ?? []);
    for (const message of unanswered) {
      const stored = group && deps.storedMessage(message.chat, message.id);
      if (!group || !stored) {
        deps.log(`${info.workflowId}: message ${message.id} is not in the store (group removed?), not moved`);
        continue;
      }
      await deps.handOver(group, stored);
      report.messagesHandedOver++;
    }
    await handle.terminate(`${MOVED_NOTE(destinationAddress)}: ${unanswered.length} unanswered message(s) handed to the cluster`);
    report.groupsClosed.push(info.workflowId);
    deps.log(`${info.workflowId}: ${unanswered.length} unanswered message(s) handed to the cluster`);
  }
  // Turns still running on the embedded server are answered again on the cluster (their
  // messages were handed over above); the delivery log keeps a reply from going out twice.
  const turns = deps.source.workflow.list({ query: `WorkflowType = 'agentTurnWorkflow' AND ExecutionStatus = 'Running'` });
  for await (const info of turns) {
    await deps.source.workflow.getHandle(info.workflowId, info.runId).terminate(MOVED_NOTE(destinationAddress));
  }
  report.messagesStillInStore = deps.pendingInStore();
  return report;
}

/** Creates the schedule on the destination exactly as it is; false when one of that id exists there. */
async function copySchedule(destination: Client, described: ScheduleDescription): Promise<boolean> {
  try {
    await destination.schedule.getHandle(described.scheduleId).describe();
    return false;
  } catch (error) {
    if ((error as Error).name !== 'ScheduleNotFoundError') throw error;
  }
  const { priority: _priority, ...action } = described.action;
  await destination.schedule.create({
    scheduleId: described.scheduleId,
    spec: described.spec,
    action,
    policies: described.policies,
    state: {
      paused: described.state.paused,
      note: described.state.note,
      remainingActions: described.state.remainingActions,
    },
    memo: described.memo,
    typedSearchAttributes: described.typedSearchAttributes,
  });
  return true;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * The messages of the current run of a group workflow that no finished turn answered:
 * those carried in from the previous run and those signalled since, minus the messages of
 * every child turn that closed (completed, failed, timed out, terminated). A turn still
 * running counts as unanswered. Read from the history: the embedded server has no worker
 * left to answer a query once BabyBot is stopped.
 */
export function unansweredMessages(events: HistoryEvent[]): InboundMessage[] {
  const decode = <T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T | undefined => {
    const first = payloads?.payloads?.[0];
    return first ? defaultPayloadConverter.fromPayload<T>(first) : undefined;
  };
  const received = new Map<string, InboundMessage>();
  const turnMessages = new Map<string, string[]>(); // initiated event id -> message ids
  const answered = new Set<string>();
  let folder: string | undefined;
  for (const event of events) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      const input = decode<GroupWorkflowInput>(started.input);
      folder = input?.folder;
      for (const m of input?.queue ?? []) received.set(m.id, m);
      // Answered by an earlier run: a repeated signal of one of these starts no turn.
      for (const id of input?.handled ?? []) answered.add(id);
    }
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === 'message') {
      const m = decode<InboundMessage>(signal.input);
      if (m) received.set(m.id, m);
    }
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child) {
      const input = decode<AgentTurnInput>(child.input);
      turnMessages.set(String(event.eventId), (input?.messages ?? []).map((m) => m.id));
    }
    const closed =
      event.childWorkflowExecutionCompletedEventAttributes ??
      event.childWorkflowExecutionFailedEventAttributes ??
      event.childWorkflowExecutionTimedOutEventAttributes ??
      event.childWorkflowExecutionTerminatedEventAttributes ??
      event.childWorkflowExecutionCanceledEventAttributes ??
      // Not started because that turn already ran (its id is taken): answered before.
      event.startChildWorkflowExecutionFailedEventAttributes;
    if (closed) for (const id of turnMessages.get(String(closed.initiatedEventId)) ?? []) answered.add(id);
  }
  // Handled ids are message keys since turn ids are per chat (`<id>@<chat>` for most chats).
  const wasAnswered = (m: InboundMessage) => answered.has(m.id) || (folder !== undefined && answered.has(messageKey(folder, m.chat, m.id)));
  return [...received.values()].filter((m) => !wasAnswered(m)).sort((a, b) => a.seq - b.seq);
}
