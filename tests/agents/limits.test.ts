// Limits a hostile group cannot get around: every delegate call is checked on the host
// (activities/agent-plan.ts) against the store, whatever its arguments: too many sub-agents
// per turn or alive in the group, steps beyond the turn's budget, nested delegation, tools
// the group does not have, huge briefs, thousands of tasks, a group no longer registered.
// Each refusal is a clear sentence the model reads; a refused call starts nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDelegation, type PlanDeps } from '../../activities/agent-plan.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import { toolsFor } from '../../contracts/tools/index.js';
import type { DelegationPlan, TurnGroup } from '../../contracts/types.js';
import { Store } from '../../lib/store/store.js';
import { agentTurnWorkflow } from '../../workflows/agent-turn.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { callTool, say, type ModelScript } from '../workflows/stubs.js';
import { message, swarm, TEST_LIMITS } from './support.js';

const folder = 'hostile';
const group: TurnGroup = { folder, chat: `local:${folder}`, name: folder, isMain: false };
const tasks = (n: number, extra: Record<string, unknown> = {}) => ({ tasks: Array.from({ length: n }, (_, i) => ({ brief: `task ${i + 1}`, ...extra })) });

function planner() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-limits-'));
  const store = Store.open(path.join(dir, 'babybot.db'));
  store.addGroup({ folder, jid: group.chat, name: folder, triggerWord: null, requiresTrigger: false, isMain: false });
  const deps: PlanDeps = { store, skillsDir: dir, agents: TEST_LIMITS, toolsOf: (g) => toolsFor(g.isMain) };
  let calls = 0;
  const plan = (args: unknown, workflowId = turnWorkflowId(folder, 'm1')): DelegationPlan => planDelegation(deps, { workflowId, step: `run:${++calls}` }, group, args);
  const refusal = (result: DelegationPlan) => (result.ok ? `started ${result.agents.length}` : result.error);
  return { store, plan, refusal };
}

describe('the limits of delegation, checked on the host', () => {
  it(`refuses more sub-agents per turn than the group may start (${TEST_LIMITS.group.perTurn} for a group that is not main)`, () => {
    const { store, plan, refusal } = planner();
    expect(refusal(plan(tasks(4)))).toBe('at most 3 sub-agents per turn in this chat; this turn has started 0 and asked for 4 more. Give fewer, larger tasks, or do some yourself.');
    expect(refusal(plan(tasks(2)))).toBe('started 2');
    // Counted from the store: a second call of the same turn adds to the first.
    expect(refusal(plan(tasks(2)))).toMatch(/^at most 3 sub-agents per turn in this chat; this turn has started 2 and asked for 2 more/);
    expect(store.agentsOfTurn(turnWorkflowId(folder, 'm1'))).toHaveLength(2);
  });

  it('refuses more sub-agents alive in the group than its limit, across turns', () => {
    const { plan, refusal, store } = planner();
    expect(refusal(plan(tasks(2), turnWorkflowId(folder, 'm1')))).toBe('started 2');
    expect(refusal(plan(tasks(2), turnWorkflowId(folder, 'm2')))).toBe('at most 3 sub-agents may be alive at once in this chat; 2 still run. Wait for them (or stop them), or do the work yourself.');
    // One ends: its place is free again.
    store.endAgent(`agent:${folder}:m1:1`, 'answered', 1);
    expect(refusal(plan(tasks(2), turnWorkflowId(folder, 'm2')))).toBe('started 2');
  });

  it("shares the turn's model steps among its sub-agents, and refuses when they are spent", () => {
    const { plan, refusal } = planner();
    const first = plan(tasks(3));
    // 12 steps per turn for a group, 4 at most per sub-agent.
    expect(first.ok && first.agents.map((a) => a.maxSteps)).toEqual([4, 4, 4]);
    const { plan: plan2 } = planner();
    const two = plan2(tasks(2));
    expect(two.ok && two.agents.map((a) => a.maxSteps)).toEqual([4, 4]);
    const third = plan2(tasks(1));
    expect(third.ok && third.agents.map((a) => a.maxSteps)).toEqual([4]);
    expect(refusal(third)).toBe('started 1');
    // 12 reserved of 12: nothing left (the per-turn count would refuse a 4th too; the steps are checked as well).
    expect(refusal(plan2(tasks(1)))).toMatch(/^at most 3 sub-agents per turn/);
  });

  it('refuses nested delegation: a sub-agent cannot start sub-agents (AGENT_DEPTH 1), nor hand delegate to one', () => {
    const { plan, refusal } = planner();
    expect(refusal(plan(tasks(1), `agent:${folder}:m1:1`))).toBe('a sub-agent cannot start sub-agents of its own (AGENT_DEPTH is 1): do the work yourself.');
    expect(refusal(plan(tasks(1, { tools: ['delegate'] })))).toMatch(/^"delegate" is not a tool a sub-agent here may have\. It may have: /);
  });

  it("refuses tools the group does not have (main's) and names that are no tool at all; leaves out skills that do not exist", () => {
    const { plan, refusal } = planner();
    expect(refusal(plan(tasks(1, { tools: ['register_group', 'send_message', 'rm -rf'] })))).toMatch(
      /^"register_group", "send_message", "rm -rf" are not tools a sub-agent here may have\. It may have: reply, remember, /,
    );
    // A skill is advice, no right: one that does not exist is left out of the brief, not refused.
    const skilled = plan(tasks(1, { skills: ['nope', 'read_skill'] }));
    expect(skilled.ok && skilled.agents[0].brief).toEqual({ brief: 'task 1' });
  });

  it('refuses huge briefs and thousands of tasks by the schema, before anything is stored', () => {
    const { plan, refusal, store } = planner();
    expect(refusal(plan({ tasks: [{ brief: 'x'.repeat(5000) }] }))).toMatch(/^the arguments for delegate are not valid:[\s\S]*tasks\[0\]\.brief/);
    expect(refusal(plan(tasks(2000)))).toMatch(/^the arguments for delegate are not valid:[\s\S]*expected array to have <=16 items/);
    expect(refusal(plan({ tasks: 'all of them' }))).toMatch(/^the arguments for delegate are not valid/);
    expect(refusal(plan({ tasks: ['  '] }))).toMatch(/^the arguments for delegate are not valid:[\s\S]*tasks\[0\]\.brief/);
    expect(refusal(plan({ tasks: ['x'.repeat(5000)] }))).toMatch(/^the arguments for delegate are not valid:[\s\S]*tasks\[0\]\.brief/);
    expect(store.agentsOfTurn(turnWorkflowId(folder, 'm1'))).toEqual([]);
  });

  it('takes a plain string as a brief, as the 0.5B writes them, with the same bounds', () => {
    const { plan } = planner();
    const started = plan({ tasks: ['say hello', { brief: 'say goodbye' }] });
    expect(started.ok && started.agents.map((agent) => agent.brief)).toEqual([{ brief: 'say hello' }, { brief: 'say goodbye' }]);
  });

  it('refuses a group that is not registered (any more), and a caller that is not its turn', () => {
    const { plan, refusal, store } = planner();
    expect(refusal(plan(tasks(1), 'turn:other:m1'))).toBe(`only a turn of the group "${folder}" or its sub-agents may delegate.`);
    store.removeGroup(folder);
    expect(refusal(plan(tasks(1)))).toBe(`the group "${folder}" is not registered as such (any more); no sub-agent was started.`);
  });

  it('a retried reserving step finds what it reserved instead of reserving more', () => {
    const { store } = planner();
    const deps: PlanDeps = { store, skillsDir: os.tmpdir(), agents: TEST_LIMITS, toolsOf: (g) => toolsFor(g.isMain) };
    const caller = { workflowId: turnWorkflowId(folder, 'm9'), step: 'run:7' };
    const once = planDelegation(deps, caller, group, tasks(2));
    const again = planDelegation(deps, caller, group, tasks(2));
    expect(again).toEqual(once);
    expect(store.agentsOfTurn(turnWorkflowId(folder, 'm9'))).toHaveLength(2);
  });
});

describe('limits in a running turn', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  it('the model reads the refusal and answers; a sub-agent stops at its own step limit', async () => {
    const folder = 'limited';
    const script: ModelScript = ({ turnId, step, input }) => {
      const last = input.messages.at(-1)?.content ?? '';
      if (turnId.startsWith('turn:')) {
        if (step === 1) return callTool('delegate', tasks(5));
        if (step === 2) return callTool('delegate', tasks(1));
        return say(`read:\n${last}`);
      }
      // A sub-agent that never stops calling tools (each call different, so no repeat ends it).
      return callTool('run_command', { command: `echo ${step}` });
    };
    const s = swarm(folder, script);
    const m1 = message(folder, 1, 'do everything');
    const result = await withWorkers(wf, folder, s.stubs, (queues) =>
      wf.env.client.workflow.execute(agentTurnWorkflow, { workflowId: turnWorkflowId(folder, m1.id), taskQueue: queues.workflows, args: [{ folder, kind: 'message', messages: [m1] }] }),
    );
    // The first call (5 tasks) was refused with the per-turn limit, as the model's next step read it.
    const turnSteps = s.inputs.get(turnWorkflowId(folder, 'm1'))!;
    expect(turnSteps[1].messages.at(-1)).toMatchObject({
      role: 'tool',
      tool_name: 'delegate',
      content: 'Error: delegate: at most 3 sub-agents per turn in this chat; this turn has started 0 and asked for 5 more. Give fewer, larger tasks, or do some yourself.',
    });
    expect(result.reply).toContain(`[1] agent:${folder}:m1:1: step-limit after 4 step(s)`);
    expect(result.reply).toMatch(/I stopped after 4 steps/);
    expect(s.store.agent(`agent:${folder}:m1:1`)).toMatchObject({ status: 'step-limit', steps: 4, maxSteps: 4 });
    // The refused call started nothing.
    expect(s.store.agentsOfTurn(turnWorkflowId(folder, 'm1'))).toHaveLength(1);
  });
});
