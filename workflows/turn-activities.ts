// The activity proxies of a turn and of a sub-agent (both run the agent loop), with the
// timing contract of each kind of step read where it is declared.
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { ChannelActivities, LocalChannelActivities, ModelActivities, SandboxActivities } from '../contracts/activities.js';
import { priorityOf } from '../contracts/priorities.js';
import { queuesOf } from '../contracts/task-queue-names.js';
import type { TurnContext } from '../contracts/types.js';

/**
 * The activity proxies of a turn, with the timing contract of each kind of step. The shared
 * slots (model, sandbox) go to main first (contracts/priorities.ts); before the turn's context
 * is loaded it is not known whether it is main's, but those steps are the channel's, not scarce.
 */
export function turnActivities(limits?: TurnContext['limits'], isMain = false) {
  const queues = queuesOf(workflowInfo().taskQueue);
  const priority = priorityOf(isMain);
  return {
    // Store reads and host tools. Each heartbeats (activities/channel-step.ts), so a dead
    // channel worker is noticed in 30 s and a cancellation stops the step; waiting for the
    // channel (a restart, WhatsApp reconnecting) is retried without a count, any other failure
    // becomes final after 10 attempts, and the turn's bound covers the host tools. Its
    // start-to-close covers a file's upload and WhatsApp's acknowledgement of each part (20 s).
    channel: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '5m',
      heartbeatTimeout: '30s',
      retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
    }),
    // Delivery waits out a reconnecting channel (WhatsApp down for hours) rather than drop a
    // reply: the group's later messages queue meanwhile and are answered together after it,
    // since they go to the same chat. A channel that cannot deliver until a person acts
    // (logged out, replaced, not linked, the chat unregistered) fails it at once. A long
    // reply is several parts, each acknowledged by WhatsApp: start-to-close covers them all.
    delivery: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '10m',
      heartbeatTimeout: '30s',
      scheduleToCloseTimeout: '24h',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
    }),
    // The failure notice is best effort and short: it never holds the group for long, and
    // its own failure never replaces the turn's cause.
    notice: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '2m',
      heartbeatTimeout: '30s',
      scheduleToCloseTimeout: '2m',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
    }),
    model: proxyActivities<ModelActivities>({
      taskQueue: queues.model,
      priority,
      startToCloseTimeout: limits?.modelTimeoutMs ?? '5m',
      // The activity heartbeats every 2 s while it waits: a worker that died is noticed in 10 s.
      heartbeatTimeout: '10s',
      retry: {
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumInterval: '30s',
        maximumAttempts: 10,
        nonRetryableErrorTypes: ['ModelRequestRejected', 'ModelNotAvailable'],
      },
    }),
    // An interim message (the model's words beside its first tool calls) helps only now: a
    // channel that cannot take it within a minute is skipped, never waited for.
    interim: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '1m',
      heartbeatTimeout: '30s',
      scheduleToCloseTimeout: '1m',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
    }),
    // The fast path of loadTurnContext and deliver, in this worker's process: a few quick
    // attempts, then the step runs on the channel queue with its own retries (channelStep).
    local: proxyLocalActivities<LocalChannelActivities>({
      startToCloseTimeout: '25s',
      retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1s', maximumAttempts: 3 },
    }),
    sandbox: proxyActivities<SandboxActivities>({
      taskQueue: queues.sandbox,
      priority,
      // The step's own limit plus the time to start a container.
      startToCloseTimeout: (limits?.sandboxStepTimeoutMs ?? 120_000) + 60_000,
      heartbeatTimeout: '20s',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
    }),
  };
}

export type TurnActivities = ReturnType<typeof turnActivities>;
