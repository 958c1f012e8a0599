// "Nothing more will happen in this group", as Temporal confirms it: the group's workflow
// has nothing queued and no turn running (its queue query, which sees every signal the
// server accepted before it). Every message handed to it has had its turn, and that turn
// has ended, so a test can then assert what was (and was not) sent.
import type { Client } from '@temporalio/client';
import { groupWorkflowId } from '../../contracts/ids.js';
import { queueQuery } from '../../workflows/group.js';
import { eventually } from './eventually.js';

export async function groupIdle(client: Client, folder: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => {
      const queue = await client.workflow.getHandle(groupWorkflowId(folder)).query(queueQuery);
      return queue.queued.length === 0 && queue.jobs.length === 0 && queue.current === undefined;
    },
    { timeoutMs, what: `group ${folder} to have nothing queued and no turn running` },
  );
}
