// A worker-only process (`babybot worker --queues …`) when scaling out: it polls the
// queues named on the configured Temporal server and holds no store, so the channel queue
// stays with the one process that owns the store and the WhatsApp socket. The other half
// of the composition root (composition-root.ts builds the whole application).
import type { NativeConnection } from '@temporalio/worker';
import { openSandboxRuntime } from '../container/runtime/select.js';
import type { Config } from '../lib/config.js';
import { closeDataFolders } from '../lib/private-folder.js';
import type { Logger } from '../lib/logger.js';
import { taskQueues, type QueueName, type TaskQueues } from '../contracts/task-queue-names.js';
import { connectWorkers, temporalAddress } from '../temporal/connect.js';
import { buildId } from './build-id.js';
import { createWorkerActivities, queueConcurrency } from './worker-activities.js';
import { bundleWorkflows, WorkerSet } from './worker-set.js';

export interface WorkerProcess {
  workers: WorkerSet;
  queues: TaskQueues;
  address: string;
  build: string;
  stop(): Promise<void>;
}

/** Connects (throws TemporalUnreachable when nothing answers) and creates the workers; call workers.start(). */
export async function startWorkerProcess(config: Config, log: Logger, serve: Exclude<QueueName, 'channel'>[]): Promise<WorkerProcess> {
  // A sandbox worker makes the IPC folders under DATA_DIR and the groups' folders.
  if (serve.includes('sandbox')) closeDataFolders(config);
  const connection: NativeConnection = await connectWorkers(config);
  // This process owns its sandbox runtime: it reaps the idle containers it started and
  // closes the runtime when it stops.
  const sandbox = serve.includes('sandbox') ? openSandboxRuntime(config, log, { reap: true }) : undefined;
  const build = buildId();
  const queues = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX);
  let workers: WorkerSet;
  try {
    workers = await WorkerSet.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      queues,
      serve,
      activities: createWorkerActivities(config, log, serve, sandbox?.runtime),
      concurrency: queueConcurrency(config),
      workflowBundle: serve.includes('workflows') ? await bundleWorkflows() : undefined,
      buildId: build,
      log,
    });
  } catch (error) {
    await sandbox?.stop();
    await connection.close();
    throw new Error(`The worker could not start: ${(error as Error).message}`);
  }
  return {
    workers,
    queues,
    address: temporalAddress(config),
    build,
    stop: async () => {
      await workers.shutdown();
      await sandbox?.stop();
      await connection.close();
    },
  };
}
