// The fast tier's Temporal (tests/workflows): the real workflows on the SDK's
// TestWorkflowEnvironment, served by in-process workers whose activities are stubs.
//
// One local dev server per test file, started by TestWorkflowEnvironment.createLocal from
// the pinned CLI the global setup already found or built (the same binary every other
// test runs against). Not createTimeSkipping: the SDK's time-skipping test server is a
// download from GitHub, which this machine cannot reach (package registries only). Nothing
// here needs skipped time: every wait is on a signal, a child or an activity, so a real
// server runs these workflows as fast. A server per file (~0.3 s) rather than one for the
// folder keeps files independent, and the suite's global setup untouched; the bundle is
// built once for the folder (workflow-bundle.ts).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type PatchActivationCallback, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ChannelActivities, ModelActivities, SandboxActivities } from '../../contracts/activities.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes.js';
import { taskQueues, type TaskQueues } from '../../contracts/task-queue-names.js';
import { localChannelSteps } from '../../workers/worker-set.js';
import { sharedWorkflowBundle } from './workflow-bundle.js';

export interface WorkflowEnv {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
}

export async function startWorkflowEnv(): Promise<WorkflowEnv> {
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: inject('temporalCli') },
        // The turns the group starts carry these; an unregistered one would fail the start.
        searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
      },
    }),
    sharedWorkflowBundle(),
  ]);
  return { env, bundle };
}

/** The activities a turn calls, one object per task queue: plain stubs of contracts/activities.ts. */
export interface TurnActivityStubs {
  channel: ChannelActivities;
  model: ModelActivities;
  sandbox: SandboxActivities;
}

/**
 * Runs `fn` while workers serve the real workflows and the stubs on queues of their own
 * (`<prefix>-workflows`, `<prefix>-channel`, …), so tests in one file never share a worker.
 * The workflow worker runs the channel stubs' local steps, as in a process that serves both
 * queues, unless `channelElsewhere` makes it one without the channel. `patches` decides which
 * patches a live workflow task turns on (all, when absent).
 */
export async function withWorkers<T>(
  { env, bundle }: WorkflowEnv,
  prefix: string,
  stubs: TurnActivityStubs,
  fn: (queues: TaskQueues) => Promise<T>,
  { channelElsewhere = false, patches }: { channelElsewhere?: boolean; patches?: PatchActivationCallback } = {},
): Promise<T> {
  const queues = taskQueues(prefix);
  const common = {
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    // As in the product (workers/worker-set.ts): a cancellation reaches a heartbeating step quickly.
    maxHeartbeatThrottleInterval: '200ms',
  } as const;
  const workers = await Promise.all([
    Worker.create({
      ...common,
      taskQueue: queues.workflows,
      workflowBundle: bundle,
      activities: localChannelSteps(channelElsewhere ? undefined : stubs.channel),
      enableNonLocalActivities: false,
      // A worker that leaves some patches off stands for one running code from before them.
      ...(patches ? { patchActivationCallback: patches } : {}),
    }),
    Worker.create({ ...common, taskQueue: queues.channel, activities: { ...stubs.channel } }),
    Worker.create({ ...common, taskQueue: queues.model, activities: { ...stubs.model } }),
    Worker.create({ ...common, taskQueue: queues.sandbox, activities: { ...stubs.sandbox } }),
  ]);
  // Each worker runs until the one inside it is done, the innermost until fn is.
  const run = workers.reduceRight<() => Promise<T>>((inner, worker) => () => worker.runUntil(inner), () => fn(queues));
  return run();
}
