// What bounds a group, on a real dev server: every turn by the group's time bound (even a turn
// that can never run a workflow task), a cancellation from the Web UI that keeps the queue,
// turn ids unique per chat, a queue bounded in bytes, and a run that rolls over when old.
import { createRequire } from 'node:module';
import { WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode, type PatchActivationCallback } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageTurnWorkflowId, turnWorkflowId } from '../../contracts/ids.js';
import { QUEUE_MAX_BYTES } from '../../contracts/message-ref.js';
import { PATCHES } from '../../contracts/patches.js';
import { describeReplay, replayHistory } from '../../temporal/replay.js';
import { messageSignal } from '../../workflows/group.js';
import { eventually } from '../support/eventually.js';
import { groupIdle } from '../support/group-idle.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { groupProbe } from './group-probe.js';
import { echo, message, stubActivities } from './stubs.js';

describe('the bounds of a group', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  const runsOf = async (workflowId: string) => {
    const statuses: string[] = [];
    for await (const run of wf.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) statuses.push(run.status.name);
    return statuses;
  };

  it('stops a turn that can never run at the group bound, tells the chat once, and answers the next message', async () => {
    // Workers whose turn code has a bug for one message: its workflow tasks fail for ever.
    const require = createRequire(import.meta.url);
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows/index.ts'),
      workflowInterceptorModules: [require.resolve('./support/poison-turn.ts')],
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    const poisoned: WorkflowEnv = { env: wf.env, bundle };
    const folder = 'poisoned';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    const bad = message(folder, 1, 'please [poison] the turn');
    const next = message(folder, 2);
    const stuck = turnWorkflowId(folder, bad.id);
    await withWorkers(poisoned, folder, stubs, async (queues) => {
      const group = await g.start(queues, { queue: [bad], turnTimeoutMs: 3000 });
      await g.turnRunning(stuck);
      await group.signal(messageSignal, next);
      await eventually(() => stubs.seen.delivered.length === 1, { timeoutMs: 20_000, what: 'the message after the stuck turn to be answered' });
      await g.idle();
    });
    // The stuck turn never loaded its context: the server stopped it, the group told the chat.
    expect(stubs.seen.turns.map((t) => t.turnId)).toEqual([turnWorkflowId(folder, next.id)]);
    const stopped = await wf.env.client.workflow.getHandle(stuck).describe();
    expect(stopped.status.name).toBe('TIMED_OUT');
    expect(stubs.seen.notices).toHaveLength(1);
    expect(stubs.seen.notices[0]).toMatchObject({ key: `timeout:${stuck}:${stopped.runId}`, folder, workflowId: stuck, runId: stopped.runId });
    expect(stubs.seen.notices[0].reason).toMatch(/still running after .* hours, the longest a turn may take, so it was stopped/);
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual(['answered message 2']);
  });

  it('keeps its queue when cancelled from the Web UI: the running turn stops, the rest is answered in a new run', async () => {
    const folder = 'cancelled';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    const [m1, m2, m3] = [1, 2, 3].map((seq) => message(folder, seq));
    const running = turnWorkflowId(folder, m1.id);
    stubs.holds.hold(running);
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = await g.start(queues, { queue: [m1] });
      // The turn is in its (held) model step: the cancellation has a step to stop.
      await eventually(() => stubs.seen.modelSteps.some((s) => s.turnId === running), { timeoutMs: 10_000, what: 'the turn to reach its model step' });
      await group.signal(messageSignal, m2);
      await group.signal(messageSignal, m3);
      // What the Web UI's "Request Cancellation" does.
      await group.cancel();
      await eventually(() => stubs.seen.delivered.length === 1, { timeoutMs: 15_000, what: 'the queued messages to be answered after the cancellation' });
      await g.idle();
      const first = await wf.env.client.workflow.getHandle(group.workflowId, group.firstExecutionRunId).describe();
      expect(first.status.name).toBe('CONTINUED_AS_NEW');
      expect((await wf.env.client.workflow.getHandle(group.workflowId).describe()).status.name).toBe('RUNNING');
    });
    // The running turn was cancelled (and told its chat itself); the queue was not lost.
    await expect(wf.env.client.workflow.getHandle(running).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(stubs.seen.cancelledSteps).toEqual([running]);
    expect(stubs.seen.notices.map((n) => n.workflowId)).toEqual([running]);
    expect(stubs.seen.turns.map((t) => t.messages)).toEqual([[m1.id], [m2.id, m3.id]]);
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual(['answered message 2 + message 3']);
  });

  it('names a turn per chat: an id repeated by another chat is a new turn, not one that "already ran"', async () => {
    const folder = 'moved';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    const before = message(folder, 1, 'in the first chat');
    // The folder was moved to another chat, whose client chose the same message id.
    const after = { ...message(folder, 2, 'in the new chat'), id: before.id, chat: 'local:elsewhere' };
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = await g.start(queues, { queue: [before] });
      await eventually(() => stubs.seen.delivered.length === 1, { timeoutMs: 10_000, what: 'the first turn' });
      await group.signal(messageSignal, after);
      await eventually(() => stubs.seen.delivered.length === 2, { timeoutMs: 10_000, what: 'the second chat to be answered' });
    });
    expect(stubs.seen.turns.map((t) => t.turnId)).toEqual([turnWorkflowId(folder, 'm1'), messageTurnWorkflowId(folder, 'local:elsewhere', 'm1')]);
    expect(messageTurnWorkflowId(folder, 'local:elsewhere', 'm1')).toBe('turn:moved:m1@local:elsewhere');
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual(['answered in the first chat', 'answered in the new chat']);
  });

  it('refuses a flood beyond its queue bound, tells the chat once, and answers what it queued', async () => {
    const folder = 'flooded';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    const first = message(folder, 1);
    stubs.holds.hold(turnWorkflowId(folder, first.id));
    // Ids as long as a client may choose (200 CJK characters, 600 bytes) make each reference
    // ~750 bytes: 450 of them are more than the queue holds.
    const flood = Array.from({ length: 450 }, (_, i) => ({ ...message(folder, i + 2), id: `f${String(i).padStart(3, '0')}-${'漢'.repeat(196)}` }));
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = await g.start(queues, { queue: [first] });
      await g.turnRunning(turnWorkflowId(folder, first.id));
      for (const m of flood) await group.signal(messageSignal, m);
      const queued = (await g.queue()).queued.length;
      expect(queued).toBeGreaterThan(50);
      expect(queued).toBeLessThan(flood.length);
      stubs.holds.release(turnWorkflowId(folder, first.id));
      // About twenty turns: more than the probe's usual wait on a loaded machine.
      await groupIdle(wf.env.client, folder, 60_000);
      console.log(`flood: ${flood.length} messages of ~750-byte references, ${queued} queued (bound ${QUEUE_MAX_BYTES / 1024} KB), ${stubs.seen.turns.length} turns`);
      // One notice for the wave, keyed by the group's run.
      expect(stubs.seen.notices).toHaveLength(1);
      expect(stubs.seen.notices[0].key).toMatch(/^refused:group:flooded:/);
      expect(stubs.seen.notices[0].reason).toContain(`${flood.length - queued} message(s) arrived faster than I can answer`);
      // Every queued message was answered, at most 20 to a turn.
      const answered = stubs.seen.turns.slice(1).flatMap((t) => t.messages);
      expect(answered).toEqual(flood.slice(0, queued).map((m) => m.id));
      expect(Math.max(...stubs.seen.turns.map((t) => t.messages.length))).toBeLessThanOrEqual(20);
    });
  });

  it('rolls an idle run over once it is old, carrying nothing but its memory of handled ids', async () => {
    const folder = 'aging';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = await g.start(queues, { queue: [message(folder, 1)], runMaxAgeMs: 2000 });
      await eventually(async () => (await runsOf(group.workflowId)).includes('CONTINUED_AS_NEW'), {
        timeoutMs: 15_000,
        what: 'the idle run to continue as new',
      });
      // The next run still knows m1 was answered: a redelivery starts no second turn.
      await group.signal(messageSignal, message(folder, 1));
      await group.signal(messageSignal, message(folder, 2));
      await eventually(() => stubs.seen.delivered.length === 2, { timeoutMs: 10_000, what: 'm2 to be answered in the new run' });
      await g.idle();
    });
    expect(stubs.seen.turns.map((t) => t.messages)).toEqual([['m1'], ['m2']]);
  });

  it('rolls over a run started before the age timer, once a worker with it takes the run', async () => {
    const folder = 'pre-patch';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    let first!: { workflowId: string; runId: string };
    // Code from before the patch: a worker that leaves it off records no marker and no timer.
    const before: PatchActivationCallback = ({ patchId }) => patchId !== PATCHES.idleRollover.id;
    await withWorkers(
      wf,
      folder,
      stubs,
      async (queues) => {
        const group = await g.start(queues, { queue: [message(folder, 1)], runMaxAgeMs: 2000 });
        first = { workflowId: group.workflowId, runId: group.firstExecutionRunId };
        await eventually(() => stubs.seen.delivered.length === 1, { timeoutMs: 10_000, what: 'the first turn' });
        await g.idle();
      },
      { patches: before },
    );
    const timersBefore = (await wf.env.client.workflow.getHandle(first.workflowId, first.runId).fetchHistory()).events!.filter((e) => e.timerStartedEventAttributes);
    expect(timersBefore).toEqual([]);
    // The new code takes the run at its next workflow task: it replays the old path, then
    // starts the timer (already past the run's age) and rolls over.
    await withWorkers(wf, folder, stubs, async () => {
      await wf.env.client.workflow.getHandle(first.workflowId).signal(messageSignal, message(folder, 2));
      await eventually(async () => (await wf.env.client.workflow.getHandle(first.workflowId, first.runId).describe()).status.name === 'CONTINUED_AS_NEW', {
        timeoutMs: 20_000,
        what: 'the run from before the patch to continue as new',
      });
      await eventually(() => stubs.seen.delivered.length === 2, { timeoutMs: 10_000, what: 'm2 to be answered' });
    });
    // Its history, old path then new, replays against the current code.
    const history = await wf.env.client.workflow.getHandle(first.workflowId, first.runId).fetchHistory();
    const outcome = await replayHistory(wf.bundle, history, first.workflowId);
    expect(outcome.ok, describeReplay(outcome, 'the pre-patch run')).toBe(true);
    expect(history.events!.filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
  });

  it('answers a message whose id is longer than a workflow id may be', async () => {
    const folder = 'long-id';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    // A WhatsApp client chooses its message ids: the server refuses a workflow id over 1000 bytes.
    const long = { ...message(folder, 1), id: `x${'y'.repeat(5000)}` };
    await withWorkers(wf, folder, stubs, async (queues) => {
      await g.start(queues, { queue: [long] });
      await eventually(() => stubs.seen.delivered.length === 1, { timeoutMs: 10_000, what: 'the long-id message to be answered' });
    });
    const turnId = stubs.seen.turns[0].turnId;
    expect(turnId).toMatch(/^turn:long-id:xy{99}…[0-9a-f]{16}$/);
    expect(turnId).toBe(messageTurnWorkflowId(folder, long.chat, long.id));
  });
});
