// Seeing and stopping background sub-agents (`babybot agents list|stop`, /agents in a chat):
// a group sees and stops only its own, the owner every group's; a stopped one ends Cancelled,
// its row says so, and its chat is told through the group's queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAgents, stopAgent } from '../../activities/agent-control.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import { stopGroupAgents } from '../../temporal/group-lifecycle.js';
import { eventually } from '../support/eventually.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { groupProbe } from '../workflows/group-probe.js';
import { callTool, say, type ModelScript } from '../workflows/stubs.js';
import { message, swarm } from './support.js';

describe('controlling background sub-agents', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  it('lists them for their group and the owner only, and stops one', async () => {
    const folder = 'control';
    const script: ModelScript = ({ turnId, step }) => {
      if (turnId.startsWith('turn:')) return step === 1 ? callTool('delegate', { tasks: [{ brief: 'watch the oven' }, { brief: 'watch the kettle' }], wait: false }) : say('Started.');
      return say('done watching');
    };
    const s = swarm(folder, script);
    const [first, second] = [1, 2].map((n) => `agent:${folder}:m1:${n}`);
    s.stubs.holds.hold(first);
    s.stubs.holds.hold(second);
    const g = groupProbe(wf.env.client, folder);
    await withWorkers(wf, folder, s.stubs, async (queues) => {
      await g.start(queues, { queue: [message(folder, 1, 'watch things')] });
      await g.idle();
      const control = { store: s.store, deadlineMs: 60_000, cancelAgent: async (id: string) => void (await wf.env.client.workflow.getHandle(id).cancel()) };
      const own = listAgents(control, { folder, isMain: false });
      expect(own).toMatch(/^2 sub-agent\(s\) running/);
      expect(own).toContain(`${first} (background, since `);
      expect(own).toContain('watch the kettle');
      expect(listAgents(control, 'owner')).toBe(own);
      // Another group sees none of them, and cannot stop them.
      expect(listAgents(control, { folder: 'other', isMain: false })).toBe('No sub-agents are running.');
      await expect(stopAgent(control, { folder: 'other', isMain: false }, first)).rejects.toThrow(`There is no sub-agent ${first} here`);
      expect(await stopAgent(control, 'owner', first)).toBe(`Stopping ${first}: its steps end, and the chat is told it was cancelled.`);
      expect(await wf.env.client.workflow.getHandle(first).result().catch((e: Error) => e.message)).toMatch(/cancel/i);
      s.stubs.holds.release(second);
      await eventually(() => s.reports.length === 2, { timeoutMs: 20_000, what: 'both results (one cancelled) to reach the chat' });
      expect(await stopAgent(control, 'owner', first)).toBe(`${first} has already ended (cancelled).`);
    });
    expect(s.reports.map((r) => [r.result.agentId, r.result.ended]).sort()).toEqual([
      [first, 'cancelled'],
      [second, 'answered'],
    ]);
    expect(s.store.agentsOfTurn(turnWorkflowId(folder, 'm1')).map((row) => row.status)).toEqual(['cancelled', 'answered']);
    expect(s.stubs.seen.cancelledSteps).toContain(first);
  });

  it("do not outlive their group's registration: unregistering stops them, and one started after refuses to run", async () => {
    const folder = 'unregistered';
    const script: ModelScript = ({ turnId, step }) => {
      if (turnId.startsWith('turn:')) return step === 1 ? callTool('delegate', { tasks: [{ brief: 'keep going' }], wait: false }) : say('Started.');
      return say('still here');
    };
    const s = swarm(folder, script);
    const agent = `agent:${folder}:m1:1`;
    s.stubs.holds.hold(agent);
    const g = groupProbe(wf.env.client, folder);
    await withWorkers(wf, folder, s.stubs, async (queues) => {
      await g.start(queues, { queue: [message(folder, 1, 'go')] });
      await g.idle();
      s.store.removeGroup(folder);
      // What `babybot groups remove` does after the store (temporal/group-lifecycle.ts).
      const stopped = await eventually(async () => {
        const found = await stopGroupAgents(wf.env.client, folder);
        return found.length ? found : undefined;
      }, { timeoutMs: 15_000, what: 'the running sub-agent to be visible and stopped' });
      expect(stopped).toEqual([agent]);
      expect(await wf.env.client.workflow.getHandle(agent).result().catch((e: Error) => e.message)).toMatch(/cancel/i);
      // A sub-agent whose context is loaded after the removal refuses to run.
      await expect(s.stubs.channel.loadAgentContext({ agentId: `agent:${folder}:m1:9`, folder, turnId: turnWorkflowId(folder, 'm1'), brief: { brief: 'x' }, tools: [], maxSteps: 1, deadlineMs: 1000, background: true, scratch: 'scratch/x' })).rejects.toThrow(
        `The group "${folder}" is not registered (any more), so its sub-agent did not run.`,
      );
    });
    expect(s.store.agent(agent)?.status).toBe('cancelled');
  });
});
