// `babybot worker --queues model,sandbox,workflows`: an extra worker process when scaling
// out. It polls the queues named, on the Temporal server at TEMPORAL_ADDRESS or, when that
// is unset, on the embedded server of a `babybot start` on this machine
// (127.0.0.1:TEMPORAL_PORT). It holds no store: the channel queue stays with the one
// process that owns the store and the WhatsApp socket.
import os from 'node:os';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { openSandboxRuntime } from '../container/runtime/select.js';
import { buildId } from '../workers/build-id.js';
import { createWorkerActivities, queueConcurrency } from '../workers/worker-activities.js';
import { bundleWorkflows, WorkerSet } from '../workers/worker-set.js';
import { taskQueues } from '../contracts/task-queue-names.js';
import { commandContext, fail, stopOnSignals } from './context.js';

export const WORKER_QUEUES = ['workflows', 'model', 'sandbox', 'media'] as const;

export const QueueListSchema = z
  .string()
  .transform((list) => [...new Set(list.split(',').map((q) => q.trim()).filter(Boolean))])
  .pipe(
    z
      .array(
        z.enum(WORKER_QUEUES, {
          error: (issue) =>
            issue.input === 'channel'
              ? 'the channel queue is served only by the process that holds the store and WhatsApp (`babybot start`), never by `babybot worker`'
              : `unknown queue ${JSON.stringify(issue.input)}: choose among ${WORKER_QUEUES.join(', ')}`,
        }),
      )
      .min(1, `name at least one queue: ${WORKER_QUEUES.join(', ')}`),
  );

export interface WorkerFlags {
  queues: string;
}

export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const parsed = QueueListSchema.safeParse(flags.queues);
  if (!parsed.success) fail(`babybot worker --queues ${flags.queues}: ${parsed.error.issues[0].message}.`, 2);
  const serve = parsed.data;
  const { config, log } = commandContext();
  // The command orchestrates its own shutdown; the SDK must not react to signals by itself.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });

  const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
  const namespace = config.TEMPORAL_NAMESPACE;
  const connection = await NativeConnection.connect({ address }).catch((error: unknown) =>
    fail(
      `No Temporal server answers at ${address}: ${(error as Error).message}\n` +
        (config.TEMPORAL_ADDRESS
          ? 'Check TEMPORAL_ADDRESS, or start the Temporal server first.'
          : 'Start `babybot start` on this machine first (its embedded server), or set TEMPORAL_ADDRESS to your Temporal server.'),
    ),
  );
  await connection.workflowService.describeNamespace({ namespace }).catch(async (error: unknown) => {
    await connection.close();
    fail(`The Temporal server at ${address} has no namespace "${namespace}" (${(error as Error).message}). Set TEMPORAL_NAMESPACE to the one \`babybot start\` uses.`);
  });

  // This process owns its sandbox runtime: it reaps the idle containers it started and
  // closes the runtime when it stops.
  const sandbox = serve.includes('sandbox') ? openSandboxRuntime(config, log, { reap: true }) : undefined;
  const build = buildId();
  const identity = `babybot:${os.hostname()}:${process.pid}`;
  const queues = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX);
  let workers: WorkerSet;
  try {
    workers = await WorkerSet.create({
      connection,
      namespace,
      queues,
      serve,
      activities: createWorkerActivities(config, log, serve, sandbox?.runtime),
      concurrency: queueConcurrency(config),
      workflowBundle: serve.includes('workflows') ? await bundleWorkflows() : undefined,
      identity,
      buildId: build,
      log,
    });
  } catch (error) {
    await sandbox?.stop();
    await connection.close();
    fail(`The worker could not start: ${(error as Error).message}`);
  }
  workers.start();
  process.stdout.write(
    [
      `BabyBot worker is running (build ${build}).`,
      `  Queues:           ${serve.map((q) => queues[q]).join(', ')}`,
      `  Temporal server:  ${address}, namespace ${namespace}`,
      `  Identity:         ${identity}:<queue>`,
      'Press Ctrl+C to stop.',
    ].join('\n') + '\n',
  );

  const signals = stopOnSignals('the worker', async () => {
    await workers.shutdown();
    await sandbox?.stop();
    await connection.close();
  });
  // A worker that stops by itself (the server went away for good, a fatal SDK error) ends
  // the process with an error, so a service manager or compose restarts it.
  workers.stopped.then(
    () => {
      if (!signals.stopping()) fail('The worker stopped unexpectedly.');
    },
    (error: unknown) => fail(`The worker stopped with an error: ${(error as Error).message}`),
  );
}
