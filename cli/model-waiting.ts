// After a model is imported: the messages whose turns failed for want of it (the model was
// missing and could not be pulled, or Ollama did not answer) are answered now, each turn
// run again through its group's queue as `babybot retry` does, so nothing a person sent
// while the model was missing stays unanswered.
import type { Config } from '../lib/config.js';
import { connectClient } from '../temporal/connect.js';
import { retryRun } from '../temporal/retry.js';
import { listRuns } from '../temporal/runs.js';

/** The failures a model that is now there answers. */
const FOR_WANT_OF_THE_MODEL = /^(ModelNotAvailable|ModelUnreachable|ModelNotPulled):/;
/** Older messages are left to the owner (`babybot runs --failed`): an answer days late surprises more than it helps. */
const RECENT_MS = 24 * 3600_000;

export async function answerWaitingMessages(config: Config, say: (line: string) => void): Promise<void> {
  let temporal;
  try {
    temporal = await connectClient(config);
  } catch {
    say('BabyBot is not running: once it is, answer messages that failed for want of the model with `babybot runs --failed` and `babybot retry ID`.');
    return;
  }
  try {
    const runs = await listRuns(temporal.client, { failed: true, limit: 100 });
    const newest = new Map<string, (typeof runs)[number]>();
    // A retried id lists its old runs too: only its newest counts.
    for (const run of runs) if (!newest.has(run.workflowId)) newest.set(run.workflowId, run);
    const candidates = [...newest.values()].filter(
      (run) => FOR_WANT_OF_THE_MODEL.test(run.cause ?? '') && Date.now() - (run.closeTime ?? run.startTime).getTime() < RECENT_MS,
    );
    // Only ids whose latest run is still that failure: one retried already (an earlier import) is left alone.
    const latest = await Promise.all(candidates.map((run) => temporal.client.workflow.getHandle(run.workflowId).describe().then((d) => d.runId, () => undefined)));
    const waiting = candidates.filter((run, i) => latest[i] === run.runId);
    if (waiting.length === 0) return;
    say(`Answering ${waiting.length} message${waiting.length === 1 ? '' : 's'} that failed for want of the model:`);
    for (const run of waiting) {
      try {
        await retryRun(temporal.client, run.workflowId);
        say(`  ${run.workflowId}: queued again`);
      } catch (error) {
        say(`  ${run.workflowId}: not retried (${(error as Error).message.split('\n')[0]})`);
      }
    }
  } finally {
    await temporal.close();
  }
}
