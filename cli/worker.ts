// `babybot worker --queues model,sandbox,workflows`: an extra worker process when scaling
// out (workers/worker-process.ts), on the Temporal server at TEMPORAL_ADDRESS or, when
// that is unset, on the embedded server of a `babybot start` on this machine.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { startWorkerProcess } from '../workers/worker-process.js';
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

  const started = await startWorkerProcess(config, log, serve).catch((error: unknown) => fail((error as Error).message));
  const { workers, queues, build } = started;
  workers.start();
  process.stdout.write(
    [
      `BabyBot worker is running (build ${build}).`,
      `  Queues:           ${serve.map((q) => queues[q]).join(', ')}`,
      `  Temporal server:  ${started.address}, namespace ${config.TEMPORAL_NAMESPACE}`,
      `  Identity:         ${workers.identity}:<queue>`,
      'Press Ctrl+C to stop.',
    ].join('\n') + '\n',
  );

  const signals = stopOnSignals('the worker', () => started.stop());
  // A worker that stops by itself (the server went away for good, a fatal SDK error) ends
  // the process with an error, so a service manager or compose restarts it.
  workers.stopped.then(
    () => {
      if (!signals.stopping()) fail('The worker stopped unexpectedly.');
    },
    (error: unknown) => fail(`The worker stopped with an error: ${(error as Error).message}`),
  );
}
