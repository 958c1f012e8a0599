// Sandbox steps: tools that run inside the group's container, on the sandbox task queue
// (MAX_CONCURRENT_SANDBOXES at once per worker). The container is started on first need;
// the activity heartbeats while it waits for the runner's answer, so a lost worker is
// noticed within the heartbeat timeout, and a cancelled or timed-out step stops its command.
// Every attempt of a step sends the same request id, so a retried step never runs its
// command twice: the runner answers a repeat from memory, and a command whose container
// died under it is reported, not run again.
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { RequestTooLargeError } from '../container/ipc/client.js';
import {
  ContainerDiedError,
  GroupDiskLimitError,
  SandboxSettingsError,
  SandboxUnavailableError,
  type SandboxRuntime,
} from '../container/runtime/types.js';
import { UnsafePathError } from '../lib/safe-fs.js';
import type { SandboxActivities } from '../contracts/activities.js';
import { checkToolArguments } from '../contracts/tools/index.js';
import type { ToolInvocation } from '../contracts/types.js';
import { describeResponse, requestFor, type StepLimits } from './sandbox-results.js';

export interface SandboxDeps extends StepLimits {
  runtime: SandboxRuntime;
}

const HEARTBEAT_MS = 5_000;

export function createSandboxActivities(deps: SandboxDeps): SandboxActivities {
  return {
    async runSandboxTool(unchecked: ToolInvocation): Promise<string> {
      // The model's arguments, checked before any container is asked: wrong ones are the model's to correct.
      const check = checkToolArguments(unchecked.tool, unchecked.args);
      if (!check.ok) return check.error;
      const invocation = { ...unchecked, args: check.args };
      const request = requestFor(invocation, deps);
      const context = Context.current();
      const requestId = requestIdOf(context);
      let beat: NodeJS.Timeout | undefined;
      try {
        const sandbox = await deps.runtime.sandboxFor({
          folder: invocation.group.folder,
          isMain: invocation.group.isMain,
          overrides: invocation.group.sandbox,
        });
        const earlier = SentStep.safeParse(context.info.heartbeatDetails);
        if (
          request.type === 'run_command' &&
          earlier.success &&
          earlier.data.requestId === requestId &&
          sandbox.instance !== undefined &&
          earlier.data.instance !== sandbox.instance
        ) {
          // An earlier attempt handed this command to a container that is gone (it died, or was
          // replaced): it may have done part or all of its work. Running it again could do it twice.
          return (
            'Error: this command was started in the sandbox by an earlier attempt, but its container stopped before ' +
            'the command finished, so whether it did its work is unknown. It was not run again: check its effects ' +
            '(e.g. read the files it writes) before deciding to run it again.'
          );
        }
        // The attempt's first heartbeat goes out at once: it tells the next attempt (after a
        // crash or a heartbeat timeout) which request this was and which container had it.
        const sent: SentStep = { requestId, instance: sandbox.instance };
        context.heartbeat(sent);
        beat = setInterval(() => context.heartbeat(sent), HEARTBEAT_MS);
        const response = await sandbox.call(request, { signal: context.cancellationSignal, requestId });
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

/** What a sandbox step's heartbeats carry: the request and the instance it was sent to. */
const SentStep = z.object({ requestId: z.string(), instance: z.string().optional() });
type SentStep = z.infer<typeof SentStep>;

/**
 * The step's request id: the run and the activity, the same for every attempt of this step,
 * so a retry after a worker crash or a heartbeat timeout asks the runner for the answer of
 * the command it already ran (or is running) instead of running it again. A new run of the
 * turn (a Reset) is a new decision and gets new ids.
 */
export function requestIdOf(context: Context): string {
  const { workflowExecution, activityId } = context.info;
  const digest = createHash('sha256').update(`${workflowExecution?.workflowId}\n${workflowExecution?.runId}\n${activityId}`).digest('hex');
  return `step-${digest.slice(0, 40)}`;
}

/** What Temporal should do with a failed step: retry only when a new attempt can succeed. */
function asFailure(error: unknown): unknown {
  if (error instanceof SandboxUnavailableError || error instanceof SandboxSettingsError) {
    return ApplicationFailure.nonRetryable(error.message, 'SandboxUnavailable');
  }
  if (error instanceof RequestTooLargeError) return ApplicationFailure.nonRetryable(error.message, 'SandboxRequestTooLarge');
  // Over the disk limit, or an answer file the host refused (a link, a FIFO, too big): a retry gets the same.
  if (error instanceof GroupDiskLimitError) return ApplicationFailure.nonRetryable(error.message, 'GroupDiskLimit');
  if (error instanceof UnsafePathError) return ApplicationFailure.nonRetryable(error.message, 'SandboxAnswerRefused');
  // The next attempt finds the container gone and starts a new one.
  if (error instanceof ContainerDiedError) return ApplicationFailure.retryable(error.message, 'SandboxContainerDied');
  return error;
}
