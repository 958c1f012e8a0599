// The group workflow on its own, against stub activities: the order its turns run in, what
// a turn answers, and a continue-as-new with messages arriving across it. Every wait is for
// something Temporal confirms: the group's queue query, a run's status, a turn's result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { messageSignal } from '../../workflows/group.js';
import { eventually } from '../support/eventually.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { groupProbe } from './group-probe.js';
import { echo, message, stubActivities } from './stubs.js';

describe('the group workflow', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  it('runs one turn at a time, in the chat order, even when signals arrive out of it', async () => {
    const folder = 'ordering';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    const [m1, m2, m3] = [1, 2, 3].map((seq) => message(folder, seq));
    stubs.holds.hold(turnWorkflowId(folder, m1.id));
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = await g.start(queues);
      await group.signal(messageSignal, m1);
      await g.turnRunning(turnWorkflowId(folder, m1.id));
      // Sent at the same moment, delivered in either order: the queue keeps the store's order.
      await group.signal(messageSignal, m3);
      await group.signal(messageSignal, m2);
      expect((await g.queue()).queued).toEqual([m2.id, m3.id]);
      stubs.holds.release(turnWorkflowId(folder, m1.id));
      await g.idle();
      expect(await g.result(turnWorkflowId(folder, m1.id))).toMatchObject({ reply: 'answered message 1' });
      expect(await g.result(turnWorkflowId(folder, m2.id))).toMatchObject({ reply: 'answered message 2 + message 3' });
    });
    expect(stubs.seen.turns.map((t) => t.messages)).toEqual([[m1.id], [m2.id, m3.id]]);
    expect(stubs.seen.maxStepsAtOnce).toBe(1);
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual(['answered message 1', 'answered message 2 + message 3']);
  });

  it('answers the messages that arrive while a turn runs together, in one turn after it', async () => {
    const folder = 'batching';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    const first = message(folder, 1);
    const during = [2, 3, 4, 5].map((seq) => message(folder, seq));
    stubs.holds.hold(turnWorkflowId(folder, first.id));
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = await g.start(queues, { queue: [first] });
      await g.turnRunning(turnWorkflowId(folder, first.id));
      for (const m of during) await group.signal(messageSignal, m);
      expect(await g.queue()).toMatchObject({ queued: during.map((m) => m.id), current: turnWorkflowId(folder, first.id) });
      stubs.holds.release(turnWorkflowId(folder, first.id));
      await g.idle();
      const batch = await g.result(turnWorkflowId(folder, during[0].id));
      expect(batch).toEqual({ reply: 'answered message 2 + message 3 + message 4 + message 5', steps: 1, toolCalls: 0, stoppedAtStepLimit: false });
    });
    // Two turns, not five: one reply for the batch, sent to the group's chat.
    expect(stubs.seen.turns).toEqual([
      { turnId: turnWorkflowId(folder, first.id), messages: [first.id] },
      { turnId: turnWorkflowId(folder, during[0].id), messages: during.map((m) => m.id) },
    ]);
    expect(stubs.seen.delivered).toHaveLength(2);
    expect(stubs.seen.delivered.every((d) => d.chat === `local:${folder}`)).toBe(true);
  });

  it('continues as new without losing a message that arrives across it, or answering one twice', async () => {
    const folder = 'rollover';
    const stubs = stubActivities(folder, echo);
    const g = groupProbe(wf.env.client, folder);
    const [m1, m2, m3, m4, m5] = [1, 2, 3, 4, 5].map((seq) => message(folder, seq));
    stubs.holds.hold(turnWorkflowId(folder, m1.id));
    await withWorkers(wf, folder, stubs, async (queues) => {
      // One turn per run: every turn ends its run, so every message arrives near a continue-as-new.
      const group = await g.start(queues, { queue: [m1], turnsPerRun: 1 });
      await g.turnRunning(turnWorkflowId(folder, m1.id));
      await group.signal(messageSignal, m2);
      await group.signal(messageSignal, m3);
      expect((await g.queue()).queued).toEqual([m2.id, m3.id]);
      // Let the turn end and, without waiting, send more while its run rolls over: a new
      // message, and redeliveries of one already answered and of one still queued.
      stubs.holds.release(turnWorkflowId(folder, m1.id));
      await Promise.all([m4, m1, m3, m5].map((m) => group.signal(messageSignal, m)));
      await eventually(
        async () => {
          const first = await wf.env.client.workflow.getHandle(group.workflowId, group.firstExecutionRunId).describe();
          return first.status.name === 'CONTINUED_AS_NEW';
        },
        { timeoutMs: 10_000, what: 'the first run to continue as new' },
      );
      await g.idle();
      for (const turn of stubs.seen.turns) expect((await g.result(turn.turnId)).steps).toBe(1);
      const latest = await wf.env.client.workflow.getHandle(group.workflowId).describe();
      expect(latest.runId).not.toBe(group.firstExecutionRunId);
    });
    // Each message in exactly one turn (m4 and m5 may land on either side of a rollover).
    const answered = stubs.seen.turns.flatMap((t) => t.messages);
    expect([...answered].sort()).toEqual([m1.id, m2.id, m3.id, m4.id, m5.id]);
    expect(stubs.seen.turns[0].messages).toEqual([m1.id]);
    expect(stubs.seen.delivered).toHaveLength(stubs.seen.turns.length);
  });
});
