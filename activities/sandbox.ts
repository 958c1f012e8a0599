// Sandbox steps: tools that run inside the group's container, on the sandbox task queue
// (MAX_CONCURRENT_SANDBOXES at once per worker). The container is started on first need;
// the activity heartbeats while it waits for the runner's answer, so a lost worker is
// noticed within the heartbeat timeout, and a cancelled or timed-out step stops its command.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { RequestTooLargeError } from '../container/ipc/client.js';
import { ContainerDiedError, SandboxSettingsError, SandboxUnavailableError, type SandboxRuntime } from '../container/runtime/types.js';
import type { ToolInvocation } from '../workflows/types.js';
import { describeResponse, requestFor, type StepLimits } from './sandbox-results.js';

export interface SandboxDeps extends StepLimits {
  runtime: SandboxRuntime;
}

export type SandboxActivities = ReturnType<typeof createSandboxActivities>;

const HEARTBEAT_MS = 5_000;

export function createSandboxActivities(deps: SandboxDeps) {
  return {
    async runSandboxTool(invocation: ToolInvocation): Promise<string> {
      const request = requestFor(invocation, deps);
      const context = Context.current();
      context.heartbeat();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      try {
        const sandbox = await deps.runtime.sandboxFor({
          folder: invocation.group.folder,
          isMain: invocation.group.isMain,
          overrides: invocation.group.sandbox,
        });
        const response = await sandbox.call(request, { signal: context.cancellationSignal });
        context.cancellationSignal.throwIfAborted();
        return describeResponse(request, response);
      } catch (error) {
        throw asFailure(error);
      } finally {
        clearInterval(beat);
      }
    },
  };
}

/** What Temporal should do with a failed step: retry only when a new attempt can succeed. */
function asFailure(error: unknown): unknown {
  if (error instanceof SandboxUnavailableError || error instanceof SandboxSettingsError) {
    return ApplicationFailure.nonRetryable(error.message, 'SandboxUnavailable');
  }
  if (error instanceof RequestTooLargeError) return ApplicationFailure.nonRetryable(error.message, 'SandboxRequestTooLarge');
  // The next attempt finds the container gone and starts a new one.
  if (error instanceof ContainerDiedError) return ApplicationFailure.retryable(error.message, 'SandboxContainerDied');
  return error;
}
