// Starts a voice note's transcription workflow. Its id names the message, so a second
// hand-over of the same note (after a restart) finds it already started and does nothing.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Group, StoredMessage } from '../lib/store/store.js';
import { voiceNoteWorkflowId } from '../contracts/ids.js';
import { priorityOf } from '../contracts/priorities.js';
import { babybotAttributes } from '../contracts/search-attributes.js';
import type { TaskQueues } from '../contracts/task-queue-names.js';
import { voiceNoteWorkflow } from '../workflows/voice-note.js';

export function createVoiceNoteStarter(client: Client, queues: TaskQueues) {
  return async (group: Group, message: StoredMessage, path: string): Promise<void> => {
    try {
      await client.workflow.start(voiceNoteWorkflow, {
        workflowId: voiceNoteWorkflowId(group.folder, message.id),
        taskQueue: queues.workflows,
        args: [{ folder: group.folder, chat: group.jid, messageId: message.id, path }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        // Its transcription step inherits it: main's voice notes take the next media slot.
        priority: priorityOf(group.isMain),
        typedSearchAttributes: babybotAttributes({ group: group.folder, chat: group.jid, kind: 'voice' }),
        memo: { text: message.text, sender: message.senderName ?? message.sender },
        staticSummary: `Voice note from ${message.senderName ?? message.sender}`,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw error;
    }
  };
}
