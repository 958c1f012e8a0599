// One long-lived workflow per group (`group:<folder>`): it queues the group's messages
// and runs one agent turn at a time, so turns in a group are serialised in arrival order
// while groups run side by side. This replaces NanoClaw's polling loop and per-group queue.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  log,
  ParentClosePolicy,
  setHandler,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { agentTurnWorkflow } from './agent-turn.js';
import { turnWorkflowId } from './ids.js';
import { CHAT, GROUP, KIND } from './search-attributes.js';
import type { GroupWorkflowInput, InboundMessage } from './types.js';

export const messageSignal = defineSignal<[InboundMessage]>('message');
export const queueQuery = defineQuery<{ queued: string[]; current?: string }>('queue');

/** How many handled ids to remember: enough to recognise any redelivery the channel could make. */
const HANDLED_MEMORY = 1000;

export async function groupWorkflow(input: GroupWorkflowInput): Promise<void> {
  const queue = [...input.queue];
  const handled = new Set(input.handled);
  let current: string | undefined;

  // Handlers only enqueue: the main loop below does the work, one turn at a time.
  setHandler(messageSignal, (message) => {
    if (handled.has(message.id) || queue.some((queued) => queued.id === message.id)) return;
    queue.push(message);
    // Signals sent at the same moment may arrive out of order; the chat's order is the store's.
    queue.sort((a, b) => a.seq - b.seq);
  });
  setHandler(queueQuery, () => ({ queued: queue.map((m) => m.id), current }));

  let turns = 0;
  for (;;) {
    const timeToRollOver = () => turns >= input.turnsPerRun || workflowInfo().continueAsNewSuggested;
    await condition(() => queue.length > 0 || timeToRollOver());
    if (timeToRollOver()) break;

    // Everything that arrived while the last turn ran is answered together, in order.
    const batch = queue.splice(0, queue.length);
    for (const message of batch) handled.add(message.id);
    current = turnWorkflowId(input.folder, batch[0].id);
    try {
      await executeChild(agentTurnWorkflow, {
        workflowId: current,
        args: [{ folder: input.folder, chat: input.chat, kind: 'message', messages: batch }],
        // A turn that already ran (a redelivery after continue-as-new) is not run again; a
        // failed one may be run again by `babybot retry`.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: GROUP, value: input.folder },
          { key: CHAT, value: input.chat },
          { key: KIND, value: 'message' },
        ],
        memo: {
          text: batch.map((m) => m.text).join('\n').slice(0, 500),
          sender: batch[0].senderName ?? batch[0].sender,
          messageIds: batch.map((m) => m.id),
        },
        staticSummary: batch[0].text.slice(0, 100),
      });
    } catch (error) {
      // The turn has already told the user and shows as Failed in the Web UI; the group goes on.
      log.warn('turn failed', { turn: current, error: (error as Error).message });
    }
    current = undefined;
    turns++;
  }

  await condition(allHandlersFinished);
  await continueAsNew<typeof groupWorkflow>({
    ...input,
    queue,
    handled: [...handled].slice(-HANDLED_MEMORY),
  });
}
