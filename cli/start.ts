import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startBabyBot } from '../workers/composition-root.js';
import { QUEUE_NAMES, type QueueName } from '../contracts/task-queue-names.js';
import { commandContext, fail, stopOnSignals } from './context.js';
import { pullProgressPrinter } from './pull-progress.js';
import { UNSAFE_BANNER } from '../container/runtime/none.js';

export interface StartFlags {
  only?: string;
}

export async function startCommand(flags: StartFlags): Promise<void> {
  if (flags.only !== undefined && flags.only !== 'channel') {
    fail(`babybot start --only ${flags.only}: the only part is "channel"; run the other queues with \`babybot worker --queues workflows,model,sandbox\`.`, 2);
  }
  const { config, log } = commandContext();
  // BabyBot orchestrates its own shutdown (workers, then the server); the SDK must not
  // react to signals by itself.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  const serve: QueueName[] = flags.only === 'channel' ? ['channel'] : [...QUEUE_NAMES];
  const started = Date.now();
  let app;
  // A missing model is pulled at start (in the background): its progress as a bar.
  const bar = pullProgressPrinter();
  const pullProgress = (p: Parameters<typeof bar.update>[0]) => {
    bar.update(p);
    if (p.status === 'success') bar.done();
  };
  try {
    app = await startBabyBot(config, log, { serve, pullProgress });
  } catch (error) {
    fail(`BabyBot could not start: ${(error as Error).message}`);
  }
  const lines = [
    `BabyBot is running (ready in ${((Date.now() - started) / 1000).toFixed(1)}s).`,
    // The owner's token rides in the link's #fragment: open it once, the browser keeps it.
    `  Web chat:         ${app.webChatUrl}`,
    `  Local API:        ${app.httpUrl}/api/health`,
    `  Temporal Web UI:  ${app.temporal.uiUrl ?? '(none: set TEMPORAL_UI_URL)'}`,
    `  Temporal server:  ${app.temporal.address} (${app.temporal.embedded ? `embedded, data in ${config.dataDir}` : 'external'})`,
    `  Model:            ${config.OLLAMA_MODEL} at ${config.OLLAMA_HOST}${app.ollama.embedded ? ` (BabyBot's own Ollama, models in ${app.ollama.modelsDir})` : ''}`,
    `  Sandbox:          ${config.CONTAINER_RUNTIME === 'none' ? UNSAFE_BANNER : `${config.CONTAINER_RUNTIME} runtime, image ${config.SANDBOX_IMAGE}`}`,
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  stopOnSignals('BabyBot', () => app.stop());
}
