// Fault: a side-effecting step does its effect, then its worker dies before Temporal hears the
// answer, so Temporal runs it again: same run, same activity, next attempt. Before: some
// answered the retry with an error or another text (cancel_task "There is no task …",
// send_file "already sent …", register_group "… is registered", remember "Already
// remembered"), so the model read a failure where the first attempt had succeeded. Now every
// one answers its retry as the first attempt did, and does its effect once. Each step runs
// here twice through the SDK's activity environment, against the real store, the real
// Temporal Schedules and the local channel.
import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { deliver } from '../../activities/delivery.js';
import { HOST_TOOL_HANDLERS, type HostToolDeps } from '../../activities/host-tools/index.js';
import { localOutbound, OutboundRouter } from '../../channel/outbound.js';
import { createLogger } from '../../lib/logger.js';
import type { ToolInvocation } from '../../contracts/types.js';
import { useTestBot } from '../support/test-bot.js';
import { tasksOf } from './support/faults.js';

describe('a side-effecting step retried after it did its effect', () => {
  const t = useTestBot();

  const depsOf = (): HostToolDeps => ({
    store: t.bot.store,
    outbound: new OutboundRouter([localOutbound]),
    assistantName: 'Baby',
    groupsDir: t.bot.config.groupsDir,
    skillsDir: t.bot.config.skillsDir,
    log: createLogger('silent'),
    tasks: tasksOf(t.bot),
  });
  const main = { folder: 'main', chat: 'local:main', name: 'main', isMain: true };

  /** The same step twice: one run, one activity id, attempt 1 then attempt 2. */
  async function twice(step: string, tool: string, args: Record<string, unknown>): Promise<[string, string]> {
    const invocation: ToolInvocation = { tool, args, group: main, turnId: 'turn:main:twice' };
    const attempt = (n: number): Promise<string> =>
      new MockActivityEnvironment({ workflowExecution: { workflowId: 'turn:main:twice', runId: 'run-1' }, activityId: step, attempt: n }).run(
        HOST_TOOL_HANDLERS[tool],
        depsOf(),
        invocation,
      );
    const first = await attempt(1);
    const second = await attempt(2);
    console.log(`${tool}: first "${first.slice(0, 70)}"; retry ${second === first ? 'answered the same' : `"${second.slice(0, 70)}"`}`);
    return [first, second];
  }

  it('answers as the first attempt did, and does the effect once', async () => {
    const { store } = t.bot;
    store.upsertChat({ jid: 'local:family', name: 'Family', channel: 'local', isGroup: true });
    const before = () => store.messagesSince('local:main').filter((m) => m.fromAssistant).length;
    const sentBefore = before();

    const [registered, registeredAgain] = await twice('1', 'register_group', { chat: 'local:family', folder: 'family', name: 'Family' });
    expect(registered).toMatch(/^Registered Family/);
    expect(registeredAgain).toBe(registered);

    const [scheduled, scheduledAgain] = await twice('2', 'schedule_task', { prompt: 'water the plants', every: '1d' });
    expect(scheduled).toMatch(/^Scheduled task:main:/);
    expect(scheduledAgain).toBe(scheduled);
    const id = /task:main:[\w-]+/.exec(scheduled)![0];

    const [paused, pausedAgain] = await twice('3', 'pause_task', { task_id: id });
    expect(paused).toMatch(/^Paused/);
    expect(pausedAgain).toBe(paused);
    const [resumed, resumedAgain] = await twice('4', 'resume_task', { task_id: id });
    expect(resumed).toMatch(/^Resumed/);
    expect(resumedAgain).toBe(resumed);
    const [cancelled, cancelledAgain] = await twice('5', 'cancel_task', { task_id: id });
    expect(cancelled).toBe(`Cancelled ${id}; its schedule is deleted.`);
    expect(cancelledAgain).toBe(cancelled);
    // A first attempt that finds no such task is still told so: only a retry takes "gone" as done.
    await expect(
      new MockActivityEnvironment({ workflowExecution: { workflowId: 'turn:main:twice', runId: 'run-1' }, activityId: '6', attempt: 1 }).run(
        HOST_TOOL_HANDLERS.cancel_task,
        depsOf(),
        { tool: 'cancel_task', args: { task_id: 'task:main:nosuch' }, group: main, turnId: 'turn:main:twice' },
      ),
    ).rejects.toMatchObject({ type: 'TaskNotFound' });

    const [said, saidAgain] = await twice('7', 'send_message', { text: 'hello once' });
    expect(saidAgain).toBe(said);
    const [remembered, rememberedAgain] = await twice('8', 'remember', { note: 'the plants are on the balcony' });
    expect(rememberedAgain).toBe(remembered);
    fs.mkdirSync(path.join(t.bot.config.groupsDir, 'main/out'), { recursive: true });
    fs.writeFileSync(path.join(t.bot.config.groupsDir, 'main/out/list.txt'), 'milk\n');
    const [filed, filedAgain] = await twice('9', 'send_file', { path: 'out/list.txt' });
    expect(filedAgain).toBe(filed);

    const request = { key: 'reply:turn:main:twice:run-1', chat: 'local:main', text: 'the reply' };
    const delivered = await deliver(depsOf(), request);
    const deliveredAgain = await deliver(depsOf(), request);
    expect(deliveredAgain.messageId).toBe(delivered.messageId);

    // One message each for send_message, send_file and the reply; one memory line; one group.
    expect(before() - sentBefore).toBe(3);
    const memory = fs.readFileSync(path.join(t.bot.config.groupsDir, 'main/MEMORY.md'), 'utf8');
    expect(memory.split('\n').filter((line) => line.includes('balcony'))).toHaveLength(1);
    expect(store.listGroups().filter((g) => g.folder === 'family')).toHaveLength(1);
  });
});
