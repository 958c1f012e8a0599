// Hands a stored message to its group's workflow with signalWithStart: the workflow is
// started if it is not running, and the message is queued either way.
import type { Client } from '@temporalio/client';
import type { Group, StoredMessage } from '../lib/store/store.js';
import { groupWorkflow, messageSignal } from '../workflows/group.js';
import { groupWorkflowId } from '../workflows/ids.js';
import { CHAT, GROUP, KIND } from '../workflows/search-attributes.js';
import type { TaskQueues } from '../workflows/task-queue-names.js';
import type { InboundMessage } from '../workflows/types.js';

export function toInboundMessage(message: StoredMessage): InboundMessage {
  return {
    id: message.id,
    chat: message.chat,
    sender: message.sender,
    ...(message.senderName ? { senderName: message.senderName } : {}),
    text: message.text,
    timestamp: message.timestamp,
    seq: message.seq,
  };
}

export function createGroupStarter(client: Client, queues: TaskQueues, turnsPerRun: number) {
  return async (group: Group, message: StoredMessage): Promise<void> => {
    await client.workflow.signalWithStart(groupWorkflow, {
      workflowId: groupWorkflowId(group.folder),
      taskQueue: queues.workflows,
      args: [{ folder: group.folder, chat: group.jid, queue: [], handled: [], turnsPerRun }],
      signal: messageSignal,
      signalArgs: [toInboundMessage(message)],
      typedSearchAttributes: [
        { key: GROUP, value: group.folder },
        { key: CHAT, value: group.jid },
        { key: KIND, value: 'group' },
      ],
      memo: { name: group.name },
      staticSummary: `Conversation of ${group.name}`,
    });
  };
}
