// Commands while a turn runs, on the real dev server and SQLite with the scripted model:
// /status answers at once (it never waits behind the turn) naming the turn and its step,
// and /stop cancels the turn: the model request ends on the stand-in's side (a sandbox
// command is killed), the turn shows Cancelled, and a message queued behind it is still answered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandUpdate } from '../../workflows/group-commands.js';
import { groupWorkflowId } from '../../contracts/ids.js';
import { lastUserText } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';
import { closedRun, pause, until } from '../faults/support/faults.js';

describe('commands while a turn runs', () => {
  const t = useTestBot();

  it('/status answers beside the slow turn, /stop cancels it, the queue goes on', async () => {
    const { bot, ollama } = t;
    // The first question makes the model think for a minute; everything else is answered at once.
    ollama.setScript((request) => (/slow/.test(lastUserText(request)) ? { delayMs: 60_000, content: 'too late' } : { content: `echo: ${lastUserText(request)}` }));
    const slow = await bot.post('main', 'a slow question');
    const turnId = `turn:main:${slow.id}`;
    await until('the model step to be in flight', () => ollama.inFlight === 1);
    const queued = await bot.post('main', 'a queued question');

    const status = await bot.post('main', '/status');
    expect(status.triggered).toBe(true);
    const [statusReply] = await bot.waitForReplies('local:main', 1, 15_000);
    expect(statusReply.text).toContain(`Running: ${turnId} (chat`);
    expect(statusReply.text).toContain('Queued: 1 message(s), 0 task run(s).');
    expect(statusReply.text).toContain('Model: qwen2.5:7b (the default).');
    expect(statusReply.text).toContain('Tasks: none.');
    // Answered while the model still thinks: it did not wait in the queue.
    expect(ollama.inFlight).toBe(1);

    await bot.post('main', '/stop');
    const run = await closedRun(bot.client, turnId);
    expect(run.status.name).toBe('CANCELLED');
    await until('the model request to be aborted on the model side', () => ollama.aborted === 1);

    // The stop is told, the turn's own notice too, and the queued message is answered after.
    const replies = await bot.waitForReplies('local:main', 4, 30_000);
    const texts = replies.map((m) => m.text);
    expect(texts).toContain(`Stopped ${turnId}. 1 waiting request is still queued and will be answered.`);
    expect(texts.some((text) => /^Sorry, I could not answer that: the run was cancelled/.test(text))).toBe(true);
    expect(texts).toContain('echo: user: a queued question');
    await bot.groupIdle('main');
    expect(bot.store.getMessage('local:main', queued.id)).toBeTruthy();

    // Each command is an update in the group's history, with the reply as its result.
    const history = await bot.client.workflow.getHandle(groupWorkflowId('main')).fetchHistory();
    const updates = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest?.input?.name);
    expect(updates).toEqual([commandUpdate.name, commandUpdate.name]);

    // Nothing runs now: /stop says so, and /status names the stopped turn as the last failure.
    await bot.post('main', '/stop');
    await bot.post('main', '/status');
    const after = await bot.waitForReplies('local:main', 6);
    expect(after.map((m) => m.text)).toContain('Nothing is running, so there is nothing to stop.');
    const lastStatus = after.at(-1)!.text;
    expect(lastStatus).toContain('Running: nothing.');
    expect(lastStatus).toMatch(new RegExp(`Last failure: ${turnId} at .* \\(TurnCancelled`));
    await pause(500);
  });

  it('/stop during a sandbox command ends the command', async () => {
    const { bot, ollama } = t;
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-stop-')), 'finished');
    ollama.setScript((request) => {
      if (request.messages.at(-1)?.role === 'tool') return { content: 'must not be asked' };
      return /command/.test(lastUserText(request))
        ? { toolCalls: [{ name: 'run_command', arguments: { command: `sleep 10; echo done > ${marker}` } }] }
        : { content: `echo: ${lastUserText(request)}` };
    });
    const before = bot.replies('local:main').length;
    const { id } = await bot.post('main', 'run a long command');
    const turnId = `turn:main:${id}`;
    await until('the command to run', async () => {
      const history = await bot.client.workflow.getHandle(turnId).fetchHistory().catch(() => undefined);
      return history?.events?.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runSandboxTool');
    });
    // Scheduled: give the worker a moment to start the command.
    await pause(1000);
    await bot.post('main', '/stop');
    expect((await closedRun(bot.client, turnId)).status.name).toBe('CANCELLED');
    const replies = await bot.waitForReplies('local:main', before + 2);
    expect(replies.map((m) => m.text)).toContain(`Stopped ${turnId}.`);
    // The command was killed: it never got to write its file (it would have by now).
    await pause(11_000);
    expect(fs.existsSync(marker)).toBe(false);
    expect(ollama.requests.some((r) => r.messages.at(-1)?.role === 'tool')).toBe(false);
  });
});
