// Background sub-agents (delegate with wait false): the turn answers at once, the sub-agents
// outlive it, and each one's result reaches the chat later through the group's queue, between
// turns. The workers are stopped and started again while they work: nothing is lost, and each
// result is delivered once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { messageSignal } from '../../workflows/group.js';
import { eventually } from '../support/eventually.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { groupProbe } from '../workflows/group-probe.js';
import { callTool, say, type ModelScript } from '../workflows/stubs.js';
import { briefOf, message, swarm } from './support.js';

describe('background sub-agents', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  it('answer the chat after the turn, through the group, once, across a restart of the workers', async () => {
    const folder = 'background';
    const script: ModelScript = ({ turnId, step, input }) => {
      if (turnId === turnWorkflowId(folder, 'm1')) {
        if (step === 1) return callTool('delegate', { tasks: [{ brief: 'research apples' }, { brief: 'research pears' }], wait: false });
        return say('I have started two researchers on it.');
      }
      if (turnId.startsWith('turn:')) return say('answered m2');
      return say(`found: ${briefOf(input)}`);
    };
    const s = swarm(folder, script);
    const ids = [1, 2].map((n) => `agent:${folder}:m1:${n}`);
    for (const id of ids) s.stubs.holds.hold(id);
    const g = groupProbe(wf.env.client, folder);
    await withWorkers(wf, folder, s.stubs, async (queues) => {
      await g.start(queues, { queue: [message(folder, 1, 'research fruit')] });
      await g.idle();
      // The turn answered at once, while its sub-agents still work.
      expect(await g.result(turnWorkflowId(folder, 'm1'))).toMatchObject({ reply: 'I have started two researchers on it.' });
      for (const id of ids) expect((await wf.env.client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
      expect(s.reports).toEqual([]);
    });
    // The workers are gone and back (a restart); the held steps are let go on the new ones.
    await withWorkers(wf, folder, s.stubs, async (queues) => {
      void queues;
      for (const id of ids) s.stubs.holds.release(id);
      await eventually(() => s.reports.length === 2, { timeoutMs: 30_000, what: 'both background results to be delivered' });
      // The group goes on answering its chat.
      const group = wf.env.client.workflow.getHandle(`group:${folder}`);
      await group.signal(messageSignal, message(folder, 2, 'and now?'));
      await g.idle();
    });
    expect(s.reports.map((r) => [r.result.agentId, r.result.ok, r.result.text]).sort()).toEqual([
      [ids[0], true, 'found: research apples'],
      [ids[1], true, 'found: research pears'],
    ]);
    expect(s.reports.map((r) => r.brief).sort()).toEqual(['research apples', 'research pears']);
    // The turn's reply first, then the next turn's: the results went through the group's own delivery.
    expect(s.stubs.seen.delivered.map((d) => d.text)).toEqual(['I have started two researchers on it.', 'answered m2']);
    expect(s.store.agentsOfTurn(turnWorkflowId(folder, 'm1')).map((row) => [row.status, row.background])).toEqual([
      ['answered', true],
      ['answered', true],
    ]);
  });
});
