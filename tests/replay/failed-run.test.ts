// From "BabyBot said a run failed" to the cause and a second try, through the real
// `babybot` command: a turn fails on a non-retryable model error, the user is told its id,
// `babybot runs --failed` lists it with its cause and Web UI link, `babybot replay`
// replays its real history, and `babybot retry` runs it again once the cause is gone.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { GROUP, KIND } from '../../contracts/search-attributes.js';
import type { AgentTurnInput } from '../../contracts/types.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { temporalAddress } from '../support/temporal.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const UI = 'http://127.0.0.1:8233';

// Each `babybot` call is a fresh Node process (a few seconds on a shared 2-core machine).
describe('a failed turn', { timeout: 180_000 }, () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let modelBroken = true;
  let turnId: string;
  let failedRunId: string;

  /** Runs `babybot ARGS` as a person would, against the test's namespace. */
  const babybot = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'bin/babybot.js'), ...args],
        {
          cwd: bot.dir,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            TEMPORAL_ADDRESS: temporalAddress(),
            TEMPORAL_NAMESPACE: bot.namespace,
            TEMPORAL_UI_URL: UI,
            LOG_LEVEL: 'error',
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    // The model rejects anything about the weather (a 400: no retry can help) until fixed.
    ollama.setScript((request) =>
      modelBroken && /weather/.test(lastUserText(request))
        ? { status: 400, error: 'invalid tool schema in request' }
        : { content: `echo: ${lastUserText(request)}` },
    );
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: { TEMPORAL_UI_URL: UI } });
    await bot.post('main', 'hello', { id: 'fine-1' });
    await bot.waitForReplies('local:main', 1);
    const posted = await bot.post('main', 'what is the weather tomorrow?', { id: 'weather-1' });
    turnId = `turn:main:${posted.id}`;
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('tells the user what failed and the run id, with the Web UI link', async () => {
    const [, notice] = await bot.waitForReplies('local:main', 2);
    // The user is told first, then the run fails.
    const handle = bot.client.workflow.getHandle(turnId);
    await expect(handle.result()).rejects.toThrow('Workflow execution failed');
    const described = await handle.describe();
    expect(described.status.name).toBe('FAILED');
    failedRunId = described.runId;
    expect(notice.text).toContain('Ollama rejected the request (400): invalid tool schema in request');
    expect(notice.text).toContain(`Run: ${turnId}`);
    expect(notice.text).toContain(`${UI}/namespaces/${bot.namespace}/workflows/${encodeURIComponent(turnId)}/${failedRunId}`);
  });

  it('is listed by `babybot runs --failed` with its cause and link; the turn that worked is not', async () => {
    const { code, stdout, stderr } = await babybot('runs', '--failed');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`FAILED     ${turnId}  group main`);
    expect(stdout).toContain('"what is the weather tomorrow?"');
    expect(stdout).toContain('cause: ModelRequestRejected: Ollama rejected the request (400): invalid tool schema in request');
    expect(stdout).toContain(`${UI}/namespaces/${bot.namespace}/workflows/${encodeURIComponent(turnId)}/${failedRunId}`);
    expect(stdout).not.toContain('turn:main:fine-1');

    const all = await babybot('runs', '--group', 'main');
    expect(all.stdout).toContain('COMPLETED  turn:main:fine-1');
    expect(all.stdout).toContain(`FAILED     ${turnId}`);
    const other = await babybot('runs', '--group', 'family');
    expect(other.stdout).toContain('No turns or task runs in group family');
    const bad = await babybot('runs', '--limit', 'many');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--limit');
  });

  it('replays with `babybot replay` against the current workflow code', async () => {
    const { code, stdout, stderr } = await babybot('replay', turnId);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`^OK: ${turnId} \\(\\d+ events\\) replays against the current workflow code`));
  });

  it('`babybot retry` refuses what is not a failed turn', async () => {
    const group = await babybot('retry', 'group:main');
    expect(group.code).toBe(1);
    expect(group.stderr).toContain("Not retried: group:main is a group's conversation workflow, not a turn or task run");
    const done = await babybot('retry', 'turn:main:fine-1');
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('is completed, not failed: there is nothing to retry');
    const missing = await babybot('retry', 'turn:main:nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No run turn:main:nope was found');
  });

  it('`babybot retry` runs it again once the cause is gone: same input, linked to the failed run, the reply arrives', async () => {
    modelBroken = false;
    const { code, stdout, stderr } = await babybot('retry', turnId);
    expect(code, stderr).toBe(0);
    const newRunId = /new run (\S+)/.exec(stdout)?.[1];
    expect(newRunId).toBeDefined();
    expect(newRunId).not.toBe(failedRunId);
    expect(stdout).toContain(`retry of failed run ${failedRunId}`);
    expect(stdout).toContain(`${UI}/namespaces/${bot.namespace}/workflows/${encodeURIComponent(turnId)}/${newRunId}`);

    const handle = bot.client.workflow.getHandle(turnId, newRunId);
    const result = (await handle.result()) as { reply: string };
    expect(result.reply).toBe('echo: user: what is the weather tomorrow?');
    const replies = await bot.waitForReplies('local:main', 3);
    expect(replies[2].text).toBe('echo: user: what is the weather tomorrow?');

    const described = await handle.describe();
    expect(described.memo).toMatchObject({ retryOf: failedRunId, text: 'what is the weather tomorrow?' });
    expect(described.typedSearchAttributes.get(GROUP)).toBe('main');
    expect(described.typedSearchAttributes.get(KIND)).toBe('message');
    const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.taskQueue?.name).toBe('babybot-workflows');
    const input = defaultPayloadConverter.fromPayload<AgentTurnInput>(started!.input!.payloads![0]);
    expect(input).toMatchObject({ folder: 'main', kind: 'message', retryOf: failedRunId });
    // It ran in the group's queue, as the group's child, never beside the group's other turns.
    expect(started?.parentWorkflowExecution?.workflowId).toBe('group:main');
    expect(input.messages.map((m) => m.id)).toEqual(['weather-1']);

    const again = await babybot('retry', turnId);
    expect(again.stderr).toContain('is completed, not failed');
  });
});
