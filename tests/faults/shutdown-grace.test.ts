// Fault: a model worker is stopped (SIGTERM, as a supervisor or a deploy does) while a
// model step runs. Before: the SDK's shutdownGraceTime was 0, so every stop cancelled the
// model calls in flight and Temporal ran them again elsewhere. Now the step has a grace
// period: it completes on the stopping worker, nothing is cancelled, no call is repeated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { spawnBabyBot } from '../support/babybot-process.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, testEnv, type TestBot } from '../support/test-bot.js';
import { until } from './support/faults.js';

describe('a worker stopped with SIGTERM mid model step', () => {
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    // This process runs everything but the model; the model queue is the worker's alone.
    bot = await startTestBot({ ollama, serve: ['workflows', 'channel', 'sandbox'], workflowBundle: await bundleWorkflows() });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('lets the step finish within the grace period, and nothing is cancelled', async () => {
    const worker = spawnBabyBot(['worker', '--queues', 'model'], testEnv(bot.dir, bot.namespace, ollama, { LOG_LEVEL: 'warn' }));
    try {
      await worker.waitFor(/BabyBot worker is running/);
      ollama.setReplies({ content: 'finished thinking', delayMs: 4000 });
      const { id } = await bot.post('main', 'think for a while');
      await until('the model step to run', () => ollama.inFlight === 1);
      const stopAt = Date.now();
      worker.child.kill('SIGTERM');
      const code = await worker.exited;
      const stoppedAfter = (Date.now() - stopAt) / 1000;
      expect(code).toBe(0);
      expect(stoppedAfter).toBeGreaterThan(2);
      const replies = await bot.waitForReplies('local:main', 1, 15_000);
      expect(replies[0].text).toBe('finished thinking');
      expect(ollama.requests).toHaveLength(1);
      const history = await bot.client.workflow.getHandle(`turn:main:${id}`).fetchHistory();
      const model = history.events!.find((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt === 1);
      expect(model).toBeTruthy();
      expect(history.events!.some((e) => e.activityTaskCanceledEventAttributes || e.activityTaskFailedEventAttributes)).toBe(false);
      console.log(`SIGTERM mid step: worker exited ${code} after ${stoppedAfter.toFixed(1)}s; reply ${JSON.stringify(replies[0].text)}; model calls ${ollama.requests.length}`);
    } finally {
      await worker.kill('SIGKILL');
    }
  });
});
