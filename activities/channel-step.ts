// How every activity of the channel task queue runs: with heartbeats while it works, so a
// dead channel worker is noticed in seconds (not at the end of a long timeout) and a
// cancellation (the turn's bound, a person) reaches it and stops it at once; and with one
// rule for what its retries mean. Waiting for the channel is normal (a restart, a deploy,
// WhatsApp reconnecting): those failures retry without a count limit, bounded only by the
// step's schedule-to-close where a person must be told. Any other failure stops being
// retried after a few attempts, as a final answer, so a bug never holds a group for good.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/** How often a channel step heartbeats; the workflow's heartbeat timeout is a few of these. */
export const CHANNEL_HEARTBEAT_MS = 5_000;

/** Failure types that mean "the channel is not available now": waited out, never counted. */
export const CHANNEL_WAIT_TYPES: ReadonlySet<string> = new Set(['WhatsAppDisconnected', 'ChannelUnavailable']);

/** Attempts after which any other retryable failure becomes final. */
export const OTHER_FAILURE_ATTEMPTS = 10;

/**
 * Runs one channel step: heartbeating `what` (the Web UI's pending activity shows it, with the
 * last failure), stopping when cancelled, and turning a repeated failure that is not the
 * channel's absence into a final one.
 */
export async function channelStep<T>(what: string, work: () => Promise<T>): Promise<T> {
  const context = activityContext();
  if (!context) return work();
  const { info } = context;
  const beat = () => context.heartbeat({ step: what, attempt: info.attempt, at: new Date().toISOString() });
  // Local activities cannot heartbeat; their short timeout and the workflow's fallback cover them.
  // The first beat comes after CHANNEL_HEARTBEAT_MS: a quick step (most are) sends none.
  const timer = info.isLocal ? undefined : setInterval(beat, CHANNEL_HEARTBEAT_MS);
  try {
    // A cancellation reaches the step in the answer to a heartbeat: it stops waiting then.
    return await (info.isLocal ? work() : Promise.race([work(), context.cancelled]));
  } catch (error) {
    throw finalAfterRepeats(error, info.attempt);
  } finally {
    clearInterval(timer);
  }
}

function finalAfterRepeats(error: unknown, attempt: number): unknown {
  if (error instanceof ApplicationFailure && (error.nonRetryable || CHANNEL_WAIT_TYPES.has(error.type ?? ''))) return error;
  if ((error as Error | undefined)?.name === 'CancelledFailure') return error;
  if (attempt < OTHER_FAILURE_ATTEMPTS) return error;
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    type: error instanceof ApplicationFailure ? (error.type ?? 'ChannelStepFailed') : 'ChannelStepFailed',
    message: `${message} (failed ${attempt} times; not retried further)`,
    nonRetryable: true,
    cause: error instanceof Error ? error : undefined,
  });
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    // Called outside an activity (a direct call in a test or a composition): just run.
    return undefined;
  }
}

/** The same activities, each run as a channel step named by its activity name. */
export function channelSteps<A extends object>(activities: A): A {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      typeof fn === 'function' ? (...args: unknown[]) => channelStep(name, () => (fn as (...a: unknown[]) => Promise<unknown>)(...args)) : fn,
    ]),
  ) as A;
}
