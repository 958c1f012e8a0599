// A workflow's result when the test does not know whether it has been started yet: the
// product starts many workflows a moment after the fact the test waits for (a voice note's
// after it is stored, a turn after its message is accepted), and getHandle().result() on an
// id that does not exist yet fails at once with WorkflowNotFoundError.
import type { Client } from '@temporalio/client';
import { eventually } from './eventually.js';

export async function workflowResult<T>(client: Client, workflowId: string, startTimeoutMs = 60_000): Promise<T> {
  const handle = client.workflow.getHandle(workflowId);
  await eventually(() => handle.describe().then(() => true, () => undefined), {
    timeoutMs: startTimeoutMs,
    what: `the workflow ${workflowId} to start`,
    intervalMs: 200,
  });
  return (await handle.result()) as T;
}
