// The workers of one process: one per task queue it serves, all on one connection, each
// with the concurrency limit of its queue, run and shut down together.
import os from 'node:os';
import { createRequire } from 'node:module';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { CHANNEL_ELSEWHERE, type ChannelActivities, type LocalChannelActivities } from '../contracts/activities.js';
import type { Logger } from '../lib/logger.js';
import type { QueueName, TaskQueues } from '../contracts/task-queue-names.js';
import { buildId } from './build-id.js';

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  queues: TaskQueues;
  /** Which queues this process polls. */
  serve: QueueName[];
  /** Activities by queue; needed for each activity queue served. */
  activities: Partial<Record<Exclude<QueueName, 'workflows'>, object>>;
  concurrency: Partial<Record<Exclude<QueueName, 'workflows'>, number>>;
  workflowBundle?: WorkflowBundleWithSourceMap;
  identity?: string;
  /** Reported with every poll and workflow task (unversioned: it routes nothing). */
  buildId?: string;
  /** How long running activities may go on after a stop is asked (default SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
  log: Logger;
}

/**
 * A stop (SIGTERM from a supervisor, Ctrl+C) lets the steps in flight finish for this long
 * before they are cancelled (and retried by Temporal elsewhere): a model step usually ends
 * well within it, so a restart costs no model call. Then the worker is stopped for good
 * SHUTDOWN_FORCE_EXTRA_MS later, within systemd's default 90 s stop timeout.
 */
export const SHUTDOWN_GRACE_MS = 60_000;
const SHUTDOWN_FORCE_EXTRA_MS = 15_000;

/**
 * Bundles the workflow code once; tests and extra processes may pass the bundle around.
 * Another entry point (a benchmark's own workflows) is bundled the same way.
 */
export async function bundleWorkflows(workflowsPath = createRequire(import.meta.url).resolve('../workflows/index.ts')): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
}

/**
 * The channel steps a turn may run as local activities on this process's workflow worker:
 * the channel's own (given when this process serves the channel queue), otherwise ones that
 * answer CHANNEL_ELSEWHERE at once, so the turn runs the step on the channel queue instead
 * (and that outcome, recorded in the history, replays the same on every worker).
 */
export function localChannelSteps(channel: object | undefined): LocalChannelActivities {
  const steps = channel as Partial<ChannelActivities> | undefined;
  if (steps?.loadTurnContext && steps.deliver) return { loadTurnContext: steps.loadTurnContext, deliver: steps.deliver };
  const elsewhere = async (): Promise<never> => {
    throw ApplicationFailure.nonRetryable('the channel runs in another process; this step runs on the channel queue', CHANNEL_ELSEWHERE);
  };
  return { loadTurnContext: elsewhere, deliver: elsewhere };
}

export class WorkerSet {
  private running?: Promise<void>;

  private constructor(
    readonly workers: Worker[],
    private readonly log: Logger,
    /** What the Web UI shows as each poller's identity, with `:<queue>` appended. */
    readonly identity: string,
  ) {}

  static async create(options: WorkerSetOptions): Promise<WorkerSet> {
    const identity = options.identity ?? `babybot:${os.hostname()}:${process.pid}`;
    // Deployment options without worker versioning: the Web UI shows the build id on each
    // workflow task and in the queue's pollers, and the server needs no versioning rules.
    const workerDeploymentOptions = {
      version: { deploymentName: 'babybot', buildId: options.buildId ?? buildId() },
      useWorkerVersioning: false as const,
    };
    const graceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
    const shutdown = { shutdownGraceTime: graceMs, shutdownForceTime: graceMs + SHUTDOWN_FORCE_EXTRA_MS };
    const workers: Worker[] = [];
    for (const queue of options.serve) {
      if (queue === 'workflows') {
        workers.push(
          await Worker.create({
            connection: options.connection,
            namespace: options.namespace,
            taskQueue: options.queues.workflows,
            workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
            // Only for the turns' local activities: nothing schedules activity tasks on this queue
            // (every proxyActivities names its queue), so the worker does not poll it for them.
            activities: localChannelSteps(options.serve.includes('channel') ? options.activities.channel : undefined),
            enableNonLocalActivities: false,
            identity: `${identity}:workflows`,
            workerDeploymentOptions,
            ...shutdown,
          }),
        );
        continue;
      }
      const activities = options.activities[queue];
      if (!activities) throw new Error(`No activities given for the ${queue} queue this process serves.`);
      workers.push(
        await Worker.create({
          connection: options.connection,
          namespace: options.namespace,
          taskQueue: options.queues[queue],
          activities,
          maxConcurrentActivityTaskExecutions: options.concurrency[queue],
          // A cancellation reaches an activity only in the answer to a heartbeat it sends, and
          // the SDK sends at most one per 80 % of the heartbeat timeout (8 s for a model step):
          // send them every 2 s, so a cancelled step stops Ollama's or the sandbox's work in ~2 s.
          maxHeartbeatThrottleInterval: '2s',
          identity: `${identity}:${queue}`,
          workerDeploymentOptions,
          ...shutdown,
        }),
      );
    }
    return new WorkerSet(workers, options.log, identity);
  }

  /** Starts polling and returns at once; `stopped` settles when the workers stop, with the error of one that failed. */
  start(): void {
    this.running = Promise.all(this.workers.map((worker) => worker.run())).then(() => {});
    this.running.catch((error: unknown) => this.log.error({ err: error }, 'a worker stopped with an error'));
  }

  /** Settles when every worker has stopped; rejects with the error of one that failed. */
  get stopped(): Promise<void> {
    if (!this.running) throw new Error('The workers were never started.');
    return this.running;
  }

  get states(): string[] {
    return this.workers.map((worker) => `${worker.options.taskQueue}:${worker.getState()}`);
  }

  /** Stops polling (takes no new work) and returns at once; the steps in flight go on (see shutdown). */
  stopPolling(): void {
    for (const worker of this.workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  }

  /**
   * Stops polling at once, lets running activities finish within the grace time (then
   * cancels them), and resolves when every worker has stopped.
   */
  async shutdown(): Promise<void> {
    this.stopPolling();
    await this.running?.catch(() => {});
  }
}
