// Fault: starting a message's child turn fails for a reason other than "already started".
// Before: the group marked the batch handled before starting the child, so the messages
// vanished with a log line. Now they are marked handled only once the turn has started; a
// failed start keeps them queued and is tried again after a pause (1 s doubling to 60 s).
import { createRequire } from 'node:module';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { FAIL_FOR_MS } from './support/fail-child-start.js';

describe('a child turn that fails to start', () => {
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    const require = createRequire(import.meta.url);
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows/index.ts'),
      workflowInterceptorModules: [require.resolve('./support/fail-child-start.ts')],
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    bot = await startTestBot({ ollama, workflowBundle });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('keeps its messages queued and answers them once the start succeeds', async () => {
    const posted = Date.now();
    await bot.post('main', 'hello [fail-start]');
    const replies = await bot.waitForReplies('local:main', 1, 30_000);
    const after = (Date.now() - posted) / 1000;
    expect(replies.map((m) => m.text)).toEqual(['echo: user: hello [fail-start]']);
    expect(after * 1000).toBeGreaterThanOrEqual(FAIL_FOR_MS - 500);
    const history = await bot.client.workflow.getHandle('group:main').fetchHistory();
    // One timer is the run's age (idle rollover); the others are the pauses between start attempts.
    const timers = history.events!.filter((e) => e.timerStartedEventAttributes).length - 1;
    expect(timers).toBeGreaterThanOrEqual(1);
    console.log(`start failed for ${FAIL_FOR_MS / 1000}s, ${timers} retry pauses, answered ${after.toFixed(1)}s after posting`);
  });
});
