// `babybot retry WORKFLOW_ID`: runs a failed turn or task run again with the same input,
// as a new run of the same id, and prints where to watch it.
import { RetryRefused, retryRun } from '../temporal/retry.js';
import { commandContext, fail } from './context.js';
import { connectForInspection } from './temporal-client.js';

export async function retryCommand(workflowId: string): Promise<void> {
  const { config } = commandContext();
  const temporal = await connectForInspection(config);
  try {
    const retry = await retryRun(temporal.client, workflowId);
    const runId = retry.runId;
    process.stdout.write(
      (runId
        ? `Retrying ${workflowId}: new run ${runId} (retry of failed run ${retry.failedRunId}).\n`
        : `Retrying ${workflowId}: queued in ${retry.queuedIn} behind the turn running there (retry of failed run ${retry.failedRunId}).\n`) +
        `${temporal.link(workflowId, runId) ?? '(set TEMPORAL_UI_URL for a Web UI link)'}\n`,
    );
  } catch (error) {
    if (error instanceof RetryRefused) fail(`Not retried: ${error.message}`);
    throw error;
  } finally {
    await temporal.close();
  }
}
