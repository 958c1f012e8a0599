// Fault: the channel is not available for a while (WhatsApp reconnecting, the channel's
// process restarting). Before: channel steps (context, host tools, the voice note's hand-over,
// a task run's queueing) gave up after 10 or 20 attempts (minutes), so a voice note was
// dropped for good and a tool failed, and a dead worker's step was noticed only at its
// 30 s timeout. Now a channel step retries "channel not available" without a count limit
// (the step's schedule-to-close, where a person must be told, bounds it), makes any other
// failure final after 10 attempts, heartbeats what it does (the Web UI's pending step shows
// it, with the last failure), and stops as soon as it is cancelled. The rule is checked here
// through the SDK's activity environment, attempt by attempt.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { channelStep, CHANNEL_HEARTBEAT_MS, OTHER_FAILURE_ATTEMPTS } from '../../activities/channel-step.js';

const at = (attempt: number) => new MockActivityEnvironment({ attempt, activityType: 'runHostTool' });
const disconnected = () => ApplicationFailure.retryable('WhatsApp is not connected (connecting: attempt 4).', 'WhatsAppDisconnected');

describe('a channel step while the channel is away', () => {
  it('waits for the channel however many attempts it takes; any other failure becomes final after 10', async () => {
    for (const attempt of [1, OTHER_FAILURE_ATTEMPTS, 50]) {
      const error = await at(attempt).run(() => channelStep('runHostTool', async () => { throw disconnected(); })).catch((e: unknown) => e);
      expect(error).toMatchObject({ type: 'WhatsAppDisconnected', nonRetryable: false });
    }
    const early = await at(3).run(() => channelStep('runHostTool', async () => { throw new TypeError('x is undefined'); })).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(TypeError);
    const final = await at(OTHER_FAILURE_ATTEMPTS)
      .run(() => channelStep('runHostTool', async () => { throw new TypeError('x is undefined'); }))
      .catch((e: unknown) => e);
    expect(final).toMatchObject({ type: 'ChannelStepFailed', nonRetryable: true, message: 'x is undefined (failed 10 times; not retried further)' });
    // A final answer stays final at any attempt.
    const refused = ApplicationFailure.nonRetryable('WhatsApp cannot deliver (logged-out)', 'WhatsAppUnavailable');
    expect(await at(1).run(() => channelStep('deliver', async () => { throw refused; })).catch((e: unknown) => e)).toBe(refused);
  });

  it('heartbeats what it waits for, and stops at once when cancelled', async () => {
    const env = at(7);
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const started = Date.now();
    const step = env.run(() => channelStep('deliver', () => new Promise<never>(() => {})));
    await new Promise((r) => setTimeout(r, 2 * CHANNEL_HEARTBEAT_MS + 500));
    env.cancel('CANCELLED');
    const error = await step.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toMatchObject({ step: 'deliver', attempt: 7 });
    console.log(`${beats.length} heartbeats (${JSON.stringify(beats[0])}); stopped ${Date.now() - started - 2 * CHANNEL_HEARTBEAT_MS - 500} ms after the cancellation`);
  });
});
