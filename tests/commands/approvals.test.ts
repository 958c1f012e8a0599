// Approvals that wait durably, on the real dev server and SQLite: a group whose policy names
// run_command asks the owner in the main chat before each such call; the turn waits for the
// `approval` update (from /approve, /deny, or `babybot approvals`), also across a restart of
// BabyBot, and an unanswered question ends after APPROVAL_TIMEOUT with the model told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGroup } from '../../lib/group-registration.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { until } from '../faults/support/faults.js';
import { lastUserText, OllamaStub, withoutTimeNote, type ChatRequestBody } from '../support/ollama-stub.js';
import { babybotCli } from '../schedules/support.js';
import { startTestBot, testEnv, type TestBot, type WorkflowBundleWithSourceMap } from '../support/test-bot.js';

const TIMEOUT_S = 20;

describe('approvals', () => {
  let ollama: OllamaStub;
  let bundle: WorkflowBundleWithSourceMap;
  let bot: TestBot;
  const env = { APPROVE_TOOLS: 'run_command', APPROVAL_TIMEOUT: `${TIMEOUT_S}s` };
  /** The tool result the model read after asking to run `echo <word>`. */
  const toolResultFor = (word: string) =>
    until(`the model to read the result for ${word}`, () => {
      const request = ollama.requests.find((r: ChatRequestBody) => r.messages.at(-1)?.role === 'tool' && r.messages.some((m) => m.content.includes(`please run ${word}`)));
      return request?.messages.at(-1)?.content;
    }, 60_000);
  /** The number of the question the main chat got about `echo <word>`. */
  const questionFor = (word: string) =>
    until(`the question about ${word}`, () => {
      const asked = bot.replies('local:main').find((m) => m.text.includes(`echo ${word}`));
      return asked && Number(/\/approve (\d+)/.exec(asked.text)?.[1]);
    });

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    ollama.setScript((request) => {
      const last = request.messages.at(-1);
      if (last?.role === 'tool') return { content: `done: ${withoutTimeNote(last.content).slice(0, 200)}` };
      const word = /please run (\w+)/.exec(lastUserText(request))?.[1];
      return word ? { toolCalls: [{ name: 'run_command', arguments: { command: `echo ${word}` } }] } : { content: 'ok' };
    });
    bundle = await bundleWorkflows();
    bot = await startTestBot({ ollama, workflowBundle: bundle, env });
    registerGroup(bot.store, { jid: 'local:family', folder: 'family', name: 'Family', requiresTrigger: false });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('asks the owner in the main chat; /approve lets the call run', async () => {
    await bot.post('family', 'please run apples');
    const id = await questionFor('apples');
    const question = bot.replies('local:main').find((m) => m.text.includes('echo apples'))!.text;
    expect(question).toBe(`Family (family) wants to run run_command \`echo apples\` — reply /approve ${id} or /deny ${id}`);
    // The turn waits, and says why (the Web UI shows its current details).
    const turn = bot.client.workflow.getHandle(`turn:family:${(bot.messages('local:family')[0]).id}`);
    expect(ollama.requests).toHaveLength(1);
    const meta = await turn.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toContain(`Waiting for the owner's approval ${id} of run_command`);
    await bot.post('main', `/approve ${id}`);
    expect(await toolResultFor('apples')).toContain('apples');
    await bot.groupIdle('family');
    expect(bot.replies('local:main').map((m) => m.text)).toContain(`Approved ${id}: family may run run_command \`echo apples\`.`);
    expect((await turn.describe()).status.name).toBe('COMPLETED');
    expect(bot.store.approval(id)).toMatchObject({ status: 'approved', decidedBy: 'the main chat' });
    // A second answer changes nothing.
    await bot.post('main', `/deny ${id}`);
    await until('the second answer', () => bot.replies('local:main').some((m) => m.text === `Approval ${id} was approved already (by the main chat); nothing changed.`));
  });

  it('/deny: the call does not run and the model is told', async () => {
    await bot.post('family', 'please run pears');
    const id = await questionFor('pears');
    await bot.post('main', `/deny ${id}`);
    expect(await toolResultFor('pears')).toBe(`Error: the owner denied run_command (approval ${id}); it was not run. Tell the user so, and do not try to do it another way.`);
    await bot.groupIdle('family');
  });

  it('/stop of a turn that waits ends its question: a late answer changes nothing', async () => {
    await bot.post('family', 'please run kiwis');
    const id = await questionFor('kiwis');
    await bot.post('family', '/stop');
    await until('the question to end with the turn', () => bot.store.approval(id)?.status === 'expired');
    await bot.groupIdle('family');
    expect(ollama.requests.some((r) => r.messages.at(-1)?.role === 'tool' && r.messages.some((m) => m.content.includes('please run kiwis')))).toBe(false);
  });

  it('`babybot approvals list` and `deny` from a terminal do the same', async () => {
    await bot.post('family', 'please run figs');
    const id = await questionFor('figs');
    const cliEnv = testEnv(bot.dir, bot.namespace, ollama, env);
    const listed = await babybotCli(['approvals', 'list'], cliEnv);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${id}  family  run_command \`echo figs\``);
    const denied = await babybotCli(['approvals', 'deny', String(id)], cliEnv);
    expect(denied.code, denied.stderr).toBe(0);
    expect(denied.stdout).toBe(`Denied ${id}: family may not run run_command \`echo figs\`.\n`);
    expect(await toolResultFor('figs')).toMatch(/^Error: the owner denied run_command/);
    expect(bot.store.approval(id)?.decidedBy).toMatch(/^command line \(/);
    await bot.groupIdle('family');
  });

  it('`babybot groups add --approve` sets a group\'s own list; an unknown tool is refused', async () => {
    const cliEnv = testEnv(bot.dir, bot.namespace, ollama, env);
    const refused = await babybotCli(['groups', 'add', 'local:garden', 'garden', '--approve', 'run_command,launch_rockets'], cliEnv);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--approve: not a tool: launch_rockets');
    const added = await babybotCli(['groups', 'add', 'local:garden', 'garden', '--approve', 'send_file,run_command'], cliEnv);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Calls of send_file, run_command there wait for your approval in the main chat.');
    expect(bot.store.approveTools('garden')).toEqual(['send_file', 'run_command']);
  });

  it('a member cannot answer: /approve is the owner\'s', async () => {
    // Local chats are the owner's; the refusal of a WhatsApp member is the same rule (tests/commands/members.test.ts).
    const { mayUse } = await import('../../contracts/commands.js');
    expect(mayUse({ name: 'approve', args: ['1'] }, { fromOwner: false, inMain: false, startedRunningTurn: true })).toEqual({
      ok: false,
      why: 'Only the owner may use /approve here.',
    });
  });

  it('nobody answers: after APPROVAL_TIMEOUT the call is not run and the model is told', async () => {
    await bot.post('family', 'please run plums');
    const id = await questionFor('plums');
    expect(await toolResultFor('plums')).toMatch(new RegExp(`^Error: run_command needs the owner's approval \\(${id}\\), and nobody answered within`));
    expect(bot.store.approval(id)?.status).toBe('expired');
    await bot.groupIdle('family');
    await bot.post('main', `/approve ${id}`);
    await until('the late answer refused', () => bot.replies('local:main').some((m) => m.text.startsWith(`Approval ${id} was expired already`)));
  });

  it('approved after BabyBot restarted: the turn waited durably', async () => {
    await bot.post('family', 'please run cherries');
    const id = await questionFor('cherries');
    const { dir, namespace } = bot;
    await bot.stop();
    bot = await startTestBot({ ollama, workflowBundle: bundle, env, dir, namespace });
    await bot.post('main', `/approve ${id}`);
    expect(await toolResultFor('cherries')).toContain('cherries');
    await bot.groupIdle('family');
  });
});
