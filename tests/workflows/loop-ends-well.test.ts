// A turn with a small model that loops or writes nothing, against stub activities: a repeated
// identical call is not run again (the model is handed the result it already has), a model
// that asks for it yet again ends the turn with that result, the step limit's reply carries
// the best result there is, and an empty answer becomes a message
// that says so, never silence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_NOW_NOTE } from '../../contracts/host-notes.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import type { ModelReply } from '../../contracts/types.js';
import { agentTurnWorkflow } from '../../workflows/agent-turn.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { callTool, DEFAULT_MAX_STEPS, message, say, stubActivities, type ModelScript } from './stubs.js';

describe('a turn that ends well with a small model', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  const runTurn = async (folder: string, script: ModelScript) => {
    const stubs = stubActivities(folder, script);
    const m1 = message(folder, 1, 'how many lines has notes.txt?');
    const result = await withWorkers(wf, folder, stubs, (queues) =>
      wf.env.client.workflow.execute(agentTurnWorkflow, {
        workflowId: turnWorkflowId(folder, m1.id),
        taskQueue: queues.workflows,
        args: [{ folder, kind: 'message', messages: [m1] }],
      }),
    );
    return { result, stubs };
  };

  it('a call repeated with the same arguments runs once; the model reads that its result is already there, then answers', async () => {
    const toolMessages: string[] = [];
    const { result, stubs } = await runTurn('repeat', ({ step, input }) => {
      if (step > 1) toolMessages.push(input.messages.at(-1)!.content);
      // Like Qwen2.5-Coder 0.5B: the same call again after its result, then an answer.
      return step <= 2 ? callTool('run_command', { command: 'wc -l notes.txt' }) : say('notes.txt has 3 lines.');
    });
    expect(result).toMatchObject({ reply: 'notes.txt has 3 lines.', steps: 3, toolCalls: 2, stoppedAtStepLimit: false });
    expect(stubs.seen.tools.map((t) => t.args)).toEqual([{ command: 'wc -l notes.txt' }]);
    expect(toolMessages[1]).toMatch(/^You already called run_command with these same arguments[\s\S]*exit 0\nrun_command: done[\s\S]*answer the user now/);
  });

  it('a model that repeats the call again after being told it has the result: the turn ends there with that result', async () => {
    const { result, stubs } = await runTurn('repeat-loop', () => callTool('run_command', { command: 'wc -l notes.txt' }));
    expect(result).toMatchObject({ steps: 3, toolCalls: 3, stoppedAtStepLimit: false, stoppedRepeating: true });
    expect(stubs.seen.tools).toHaveLength(1);
    expect(result.reply).toBe('Here is the result (from run_command):\nexit 0\nrun_command: done');
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual([result.reply]);
  });

  it("after calls read from the model's text, the host's note asks for the answer; after native calls, nothing is added", async () => {
    const seen: string[] = [];
    const { result } = await runTurn('as-text', ({ step, input }) => {
      seen.push(input.messages.at(-1)!.content);
      if (step === 1) return { ...callTool('run_command', { command: 'wc -l notes.txt' }), callsFromContent: 'bare json' };
      if (step === 2) return callTool('run_command', { command: 'wc -w notes.txt' });
      return say('3 lines, 9 words.');
    });
    expect(result).toMatchObject({ reply: '3 lines, 9 words.', steps: 3 });
    expect(seen[1]).toBe(ANSWER_NOW_NOTE);
    expect(seen[2]).toBe('exit 0\nrun_command: done');
  });

  it("after calls read from the model's text of which one failed, no note asks for the answer: the model corrects the call", async () => {
    const seen: string[] = [];
    const { result } = await runTurn('as-text-failed', ({ step, input }) => {
      seen.push(input.messages.at(-1)!.content);
      if (step === 1) {
        const call = callTool('run_command', {});
        return { ...call, toolCalls: [{ ...call.toolCalls[0], rejected: 'command is required' }], callsFromContent: 'bare json' };
      }
      if (step === 2) return { ...callTool('run_command', { command: 'wc -l notes.txt' }), callsFromContent: 'bare json' };
      return say('3 lines.');
    });
    expect(result).toMatchObject({ reply: '3 lines.', steps: 3 });
    expect(seen[1]).toBe('Error: run_command: command is required');
    expect(seen[2]).toBe(ANSWER_NOW_NOTE);
  });

  it('at the step limit the reply quotes the newest result a tool gave, not only that it stopped', async () => {
    const { result, stubs } = await runTurn('limit-best', ({ step }) => callTool('run_command', { command: `wc -l notes-${step}.txt` }));
    expect(result.stoppedAtStepLimit).toBe(true);
    expect(stubs.seen.tools).toHaveLength(DEFAULT_MAX_STEPS);
    expect(result.reply).toBe(
      `I stopped after ${DEFAULT_MAX_STEPS} steps without finishing (my step limit). The last result I got (from run_command):\n` +
        'exit 0\nrun_command: done\n\nAsk again, perhaps in smaller parts, and I will pick up from here.',
    );
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual([result.reply]);
  });

  it('an empty final answer becomes a short message saying so, delivered', async () => {
    const empty: ModelReply = { ...say(''), thinking: 'hmm…', stats: { doneReason: 'length' } as ModelReply['stats'] };
    const { result, stubs } = await runTurn('empty', () => empty);
    expect(result.reply).toMatch(/^I have no answer this time: the model returned an empty reply \(it used its whole answer budget/);
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual([result.reply]);
  });
});
