// A turn that delegates: three sub-agents as child workflows that run side by side (their
// model steps overlap in time), whose results the turn reads in its next step; one that fails
// comes back as a failed result and the turn still answers. Real workflows on the dev server,
// the host's real planning over a real store, the scripted model.
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { GROUP_PRIORITY } from '../../contracts/priorities.js';
import { agentTurnWorkflow } from '../../workflows/agent-turn.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { callTool, say, type ModelScript } from '../workflows/stubs.js';
import { allOverlap, briefOf, message, swarm } from './support.js';

const BRIEFS = ['find the population of Lyon', 'find the population of Porto', 'find the population of Graz'];

/** The parent delegates the three briefs, then answers with what delegate returned; each sub-agent answers its brief. */
function script(folder: string, failing?: string): ModelScript {
  return ({ turnId, step, input }) => {
    if (turnId.startsWith('turn:')) {
      if (step === 1) return callTool('delegate', { tasks: BRIEFS.map((brief) => ({ brief })) });
      return say(`summary:\n${input.messages.at(-1)?.content}`);
    }
    expect(turnId).toMatch(new RegExp(`^agent:${folder}:m1:[123]$`));
    const brief = briefOf(input);
    if (brief === failing) throw ApplicationFailure.create({ type: 'ModelRequestRejected', message: 'the model rejected the request', nonRetryable: true });
    return say(`done: ${brief}`);
  };
}

describe('a turn with sub-agents', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  it('runs three at once and reads their results in its next step', async () => {
    const folder = 'swarm-three';
    const s = swarm(folder, script(folder), { stepMs: 400 });
    const m1 = message(folder, 1, 'compare three cities');
    const result = await withWorkers(wf, folder, s.stubs, (queues) =>
      wf.env.client.workflow.execute(agentTurnWorkflow, { workflowId: turnWorkflowId(folder, m1.id), taskQueue: queues.workflows, args: [{ folder, kind: 'message', messages: [m1] }] }),
    );
    const ids = [1, 2, 3].map((n) => `agent:${folder}:m1:${n}`);
    // Side by side: every sub-agent's model step was running at one moment.
    expect(allOverlap(ids.map((id) => s.steps.get(id)![0]))).toBe(true);
    // The turn's second step read all three results, in order, as delegate's result.
    expect(result.steps).toBe(2);
    expect(result.reply).toMatch(/^summary:\n3 sub-agent\(s\) finished:/);
    for (const [i, brief] of BRIEFS.entries()) expect(result.reply).toContain(`[${i + 1}] ${ids[i]}: answered after 1 step(s)\ndone: ${brief}`);
    // Each sub-agent saw only its brief (and the host's note), never the chat.
    for (const [i, id] of ids.entries()) {
      const conversation = s.firstInputs.get(id)!.messages;
      expect(conversation.map((m) => m.role)).toEqual(['system', 'user', 'user']);
      expect(conversation[1].content).toMatch(/^\[host\] You are a sub-agent/);
      expect(conversation[2].content).toBe(BRIEFS[i]);
      expect(JSON.stringify(conversation)).not.toContain('compare three cities');
      // The group's tools, without delegate: a sub-agent cannot delegate (AGENT_DEPTH 1).
      expect(s.firstInputs.get(id)!.tools).not.toContain('delegate');
      expect(s.firstInputs.get(id)!.tools).toContain('run_command');
    }
    // The store closed every row: none counts as alive any more.
    expect(s.store.agentsOfTurn(turnWorkflowId(folder, 'm1')).map((row) => [row.id, row.status, row.steps])).toEqual(ids.map((id) => [id, 'answered', 1]));
    // Each is its own run in Temporal, under its turn's id.
    for (const id of ids) expect((await wf.env.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
  });

  it('hands back a failed sub-agent as a failed result, and the turn still answers', async () => {
    const folder = 'swarm-failing';
    const s = swarm(folder, script(folder, BRIEFS[1]));
    const m1 = message(folder, 1, 'compare three cities');
    const result = await withWorkers(wf, folder, s.stubs, (queues) =>
      wf.env.client.workflow.execute(agentTurnWorkflow, { workflowId: turnWorkflowId(folder, m1.id), taskQueue: queues.workflows, args: [{ folder, kind: 'message', messages: [m1] }] }),
    );
    expect(result.reply).toContain('3 sub-agent(s) finished, 1 without a result');
    expect(result.reply).toContain(`[2] agent:${folder}:m1:2: failed after 1 step(s)\nthe model rejected the request`);
    expect(result.reply).toContain(`[3] agent:${folder}:m1:3: answered`);
    expect((await wf.env.client.workflow.getHandle(`agent:${folder}:m1:2`).describe()).status.name).toBe('FAILED');
    expect(s.store.agent(`agent:${folder}:m1:2`)?.status).toBe('failed');
    // The turn's reply reached the chat once.
    expect(s.stubs.seen.delivered.map((d) => d.text)).toEqual([result.reply]);
  });

  it("names the files a sub-agent wrote, and its steps take the group's place in the shared slots", async () => {
    const folder = 'swarm-files';
    const script: ModelScript = ({ turnId, step, input }) => {
      if (turnId.startsWith('turn:')) return step === 1 ? callTool('delegate', { tasks: [{ brief: 'write the notes', tools: ['write_file'] }] }) : say(input.messages.at(-1)!.content);
      if (step === 1) return callTool('write_file', { path: 'scratch/notes.txt', content: 'notes' });
      return say('wrote them');
    };
    const s = swarm(folder, script);
    const m1 = message(folder, 1, 'take notes');
    const result = await withWorkers(wf, folder, s.stubs, (queues) =>
      wf.env.client.workflow.execute(agentTurnWorkflow, { workflowId: turnWorkflowId(folder, m1.id), taskQueue: queues.workflows, args: [{ folder, kind: 'message', messages: [m1] }] }),
    );
    const agent = `agent:${folder}:m1:1`;
    expect(result.reply).toBe(`1 sub-agent(s) finished:\n\n[1] ${agent}: answered after 2 step(s)\nwrote them\nfiles written: scratch/notes.txt`);
    // Only the tool its brief named, and its scratch folder in its host note.
    // The tools its brief named, and reply: its answer may come as a reply call.
    expect(s.firstInputs.get(agent)!.tools).toEqual(['reply', 'write_file']);
    expect(s.firstInputs.get(agent)!.messages[1].content).toMatch(/write your working files under scratch\/agent-1-[0-9a-f]{8}\//);
    // A group's sub-agent asks for model and sandbox slots with the group's priority, behind main's (contracts/priorities.ts).
    const events = (await wf.env.client.workflow.getHandle(agent).fetchHistory()).events ?? [];
    const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    const slots = scheduled.filter((a) => ['chat', 'runSandboxTool'].includes(a.activityType?.name ?? ''));
    expect(slots.map((a) => [a.activityType?.name, a.priority?.priorityKey])).toEqual([
      ['chat', GROUP_PRIORITY.priorityKey],
      ['runSandboxTool', GROUP_PRIORITY.priorityKey],
      ['chat', GROUP_PRIORITY.priorityKey],
    ]);
  });
});
