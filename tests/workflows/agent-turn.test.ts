// An agent turn on its own, against stub activities: the step limit, the failure notice a
// failed turn sends to the chat, and a turn cancelled while its model step runs. Every wait
// is for something Temporal confirms: a turn's result, the group's queue query, a run's
// pending steps.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { agentTurnWorkflow } from '../../workflows/agent-turn.js';
import { messageSignal } from '../../workflows/group.js';
import { eventually } from '../support/eventually.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { groupProbe } from './group-probe.js';
import { callTool, DEFAULT_MAX_STEPS, echo, message, stubActivities, type ModelScript } from './stubs.js';

/** The failure a turn's result() rejects with. */
async function failureOf(result: Promise<unknown>): Promise<WorkflowFailedError> {
  const error = await result.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return error as WorkflowFailedError;
}

describe('an agent turn', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  it(`stops at the step limit (AGENT_MAX_STEPS, ${DEFAULT_MAX_STEPS} by default) and says so in the chat`, async () => {
    const folder = 'step-limit';
    // A model that never stops calling tools.
    const stubs = stubActivities(folder, ({ step }) => callTool('run_command', { command: `echo step ${step}` }));
    const m1 = message(folder, 1, 'loop forever');
    const result = await withWorkers(wf, folder, stubs, (queues) =>
      wf.env.client.workflow.execute(agentTurnWorkflow, {
        workflowId: turnWorkflowId(folder, m1.id),
        taskQueue: queues.workflows,
        args: [{ folder, kind: 'message', messages: [m1] }],
      }),
    );
    expect(result).toMatchObject({ steps: DEFAULT_MAX_STEPS, toolCalls: DEFAULT_MAX_STEPS, stoppedAtStepLimit: true });
    expect(result.reply).toMatch(new RegExp(`^I stopped after ${DEFAULT_MAX_STEPS} steps without finishing \\(my step limit\\)`));
    expect(stubs.seen.modelSteps.map((s) => s.step)).toEqual(Array.from({ length: DEFAULT_MAX_STEPS }, (_, i) => i + 1));
    expect(stubs.seen.tools.map((t) => t.args.command)).toEqual(Array.from({ length: DEFAULT_MAX_STEPS }, (_, i) => `echo step ${i + 1}`));
    // The limit's notice is the turn's one reply.
    expect(stubs.seen.delivered).toEqual([expect.objectContaining({ chat: `local:${folder}`, text: result.reply })]);
  });

  it('that fails tells the chat once, names its run, and the group goes on to the next message', async () => {
    const folder = 'failing';
    const [m1, m2] = [1, 2].map((seq) => message(folder, seq));
    const script: ModelScript = (step) => {
      if (step.turnId === turnWorkflowId(folder, m1.id)) {
        // Not retried (the model step's policy): the turn fails at its first attempt.
        throw ApplicationFailure.create({ type: 'ModelRequestRejected', message: 'the model rejected the request: bad input', nonRetryable: false });
      }
      return echo(step);
    };
    const stubs = stubActivities(folder, script);
    const g = groupProbe(wf.env.client, folder);
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = await g.start(queues, { queue: [m1] });
      // Idle once m1's turn has ended: the group waits for each turn's result.
      await g.idle();
      const failure = await failureOf(g.result(turnWorkflowId(folder, m1.id)));
      expect(failure.cause).toBeInstanceOf(ApplicationFailure);
      expect(failure.cause).toMatchObject({ type: 'ModelRequestRejected', message: 'the model rejected the request: bad input' });
      await group.signal(messageSignal, m2);
      await g.idle();
      expect(await g.result(turnWorkflowId(folder, m2.id))).toMatchObject({ reply: 'answered message 2' });
      const failed = await wf.env.client.workflow.getHandle(turnWorkflowId(folder, m1.id)).describe();
      expect(stubs.seen.notices).toEqual([
        {
          key: `failure:${failed.workflowId}:${failed.runId}`,
          folder,
          workflowId: failed.workflowId,
          runId: failed.runId,
          reason: 'the model rejected the request: bad input',
        },
      ]);
    });
    // The failed turn sent no reply; the next one did.
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual(['answered message 2']);
  });

  it('cancelled during its model step ends Cancelled, stops the step, tells the chat, and the group goes on', async () => {
    const folder = 'cancelled';
    const stubs = stubActivities(folder, echo);
    const [m1, m2] = [1, 2].map((seq) => message(folder, seq));
    const turn = turnWorkflowId(folder, m1.id);
    stubs.holds.hold(turn);
    const g = groupProbe(wf.env.client, folder);
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = await g.start(queues, { queue: [m1] });
      const handle = wf.env.client.workflow.getHandle(turn);
      // Temporal shows the model step running (scheduled and picked up by the worker).
      await eventually(
        async () => {
          const steps = (await handle.describe().catch(() => undefined))?.raw.pendingActivities ?? [];
          return steps.some((s) => s.activityType?.name === 'chat' && s.attempt === 1 && s.lastStartedTime);
        },
        { timeoutMs: 10_000, what: 'the turn’s model step to be running' },
      );
      await handle.cancel();
      const failure = await failureOf(handle.result());
      expect(failure.cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      // The cancellation reached the step itself, through its heartbeat.
      await eventually(() => stubs.seen.cancelledSteps.includes(turn), { timeoutMs: 10_000, what: 'the model step to see its cancellation' });
      await group.signal(messageSignal, m2);
      await g.idle();
      expect(await g.result(turnWorkflowId(folder, m2.id))).toMatchObject({ reply: 'answered message 2' });
    });
    expect(stubs.seen.notices).toEqual([expect.objectContaining({ folder, workflowId: turn, reason: expect.stringMatching(/cancelled before it finished/) })]);
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual(['answered message 2']);
  });
});
