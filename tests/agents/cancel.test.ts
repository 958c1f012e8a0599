// Cancelling a turn (/stop, the Web UI's Cancel) cancels its sub-agents, and their steps see
// it: a sandbox command running in each ends (the real step kills its container command on
// that signal, tests/commands/stop-docker.test.ts), every child run ends Cancelled, and the
// store records each one's end, so none counts against the group's limits any more.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { agentTurnWorkflow } from '../../workflows/agent-turn.js';
import { eventually } from '../support/eventually.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { callTool, say, type ModelScript } from '../workflows/stubs.js';
import { message, swarm } from './support.js';

describe('cancelling a turn with sub-agents', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  it('ends every child and the command each one runs', async () => {
    const folder = 'cancel-swarm';
    const script: ModelScript = ({ turnId, step }) => {
      if (turnId.startsWith('turn:')) return step === 1 ? callTool('delegate', { tasks: [{ brief: 'a' }, { brief: 'b' }, { brief: 'c' }] }) : say('never');
      return callTool('run_command', { command: 'sleep 3600' });
    };
    const s = swarm(folder, script, { holdCommands: true });
    const m1 = message(folder, 1, 'work for an hour');
    const turn = turnWorkflowId(folder, m1.id);
    const ids = [1, 2, 3].map((n) => `agent:${folder}:m1:${n}`);
    await withWorkers(wf, folder, s.stubs, async (queues) => {
      const handle = await wf.env.client.workflow.start(agentTurnWorkflow, { workflowId: turn, taskQueue: queues.workflows, args: [{ folder, kind: 'message', messages: [m1] }] });
      await eventually(() => s.runningCommands.length === 3, { timeoutMs: 15_000, what: 'the three sub-agents’ commands to be running' });
      await handle.cancel();
      const failure = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      for (const id of ids) expect((await wf.env.client.workflow.getHandle(id).describe()).status.name).toBe('CANCELLED');
      await eventually(() => s.cancelledCommands.length === 3, { timeoutMs: 10_000, what: 'each command to see its cancellation' });
    });
    expect(s.cancelledCommands.sort()).toEqual(ids);
    expect(s.store.agentsOfTurn(turn).map((row) => row.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    // The turn told its chat once that it was cancelled; no reply was sent.
    expect(s.stubs.seen.notices).toEqual([expect.objectContaining({ workflowId: turn, reason: expect.stringMatching(/cancelled before it finished/) })]);
    expect(s.stubs.seen.delivered).toEqual([]);
  });
});
