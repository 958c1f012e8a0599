// BabyBot using its tools with a real model: the real Ollama and Qwen2.5-Coder-0.5B-Instruct
// (scripts/components/ollama.sh: the library's qwen2.5-coder template, temperature 0, a
// fixed seed), the real sandbox image, the real dev server. Each test asserts the effect
// (a fact in MEMORY.md and in the next prompt, a command's number in the reply), never the
// wording. The prompts are ones this model handles at temperature 0, each turn starting with
// the model unloaded (a cold cache: the same answer whatever ran before). What it cannot do
// is measured by `npm run bench agent`, not here. A greeting is answered with the reply tool
// (contracts/tools/reply-tool.ts): before it was offered, the 0.5B answered every greeting with
// `remember` or `send_file`. The test files that use the real Ollama hold it one at a time.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import { TaskService } from '../../tasks/task-service.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from '../support/eventually.js';
import { requireEngine } from '../sandbox/engine.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { haveRealOllama, holdRealOllama, promptClock, realOllama, unloadModel } from './support.js';
import { looksLikeRawCall, turnRecord } from './turn-steps.js';

const available = haveRealOllama();

// A model step of BabyBot's prompt with the 0.5B takes ~10 s to minutes on a loaded 2-core machine.
describe.skipIf(!available)('a real model that uses its tools', { timeout: 1_200_000 }, () => {
  let bot: TestBot;
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await holdRealOllama();
    const docker = await requireEngine();
    bot = await startTestBot({
      ollama: { url: realOllama.url },
      env: {
        OLLAMA_MODEL: realOllama.toolModel,
        OLLAMA_KEEP_ALIVE: '30m',
        CONTAINER_RUNTIME: 'docker',
        DOCKER_HOST: docker,
        AGENT_MAX_STEPS: '4',
        MODEL_TIMEOUT: '15m',
      },
      workflowBundle: await bundleWorkflows(),
      clock: promptClock,
    });
  }, 2_100_000); // waiting for the real Ollama, then starting
  afterAll(async () => {
    if (bot?.sandbox instanceof DockerRuntime) {
      for (const container of await bot.sandbox.list()) await bot.sandbox.remove(container.name);
    }
    await bot?.stop();
    release?.();
  });

  /** A group of its own per test; one display name (the agent bench's too), so every prompt shares Ollama's cached prefix. */
  const group = (folder: string, files: Record<string, string> = {}) => {
    bot.store.addGroup({ folder, jid: `local:${folder}`, name: 'bench', triggerWord: null, requiresTrigger: false, isMain: false });
    const dir = path.join(bot.config.groupsDir, folder);
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
    return dir;
  };
  const ask = async (folder: string, text: string, id: string) => {
    await unloadModel(realOllama.toolModel);
    await bot.post(folder, text, { id });
    const record = await turnRecord(bot.client, turnWorkflowId(folder, id));
    const reply = bot.replies(`local:${folder}`).at(-1)?.text ?? '';
    console.log(`${folder}/${id}: calls ${JSON.stringify(record.modelSteps.map((s) => s.toolCalls.map((c) => [c.function.name, c.function.arguments])))}; tools ${JSON.stringify(record.tools)}; calls from text: ${record.modelSteps.map((s) => s.callsFromContent ?? '-').join(',')}; reply ${JSON.stringify(reply)}`);
    expect(looksLikeRawCall(reply)).toBe(false);
    return { record, reply };
  };

  it('a greeting: no tool is run, a plain answer comes', async () => {
    group('greeting');
    const { record, reply } = await ask('greeting', 'Hi! How are you?', 'g1');
    expect(record.tools).toEqual([]);
    // One model step, whose answer (a reply call, or text) ended the turn: not a notice of BabyBot's.
    expect(record.modelSteps).toHaveLength(1);
    expect(record.modelSteps[0].toolCalls).toEqual([]);
    expect(reply.trim()).not.toBe('');
  });

  it('"remember that …": the fact is in MEMORY.md, and the next turn\'s prompt contains it', async () => {
    const dir = group('remember');
    const { record } = await ask('remember', "Use remember to save this: my sister's name is Clara.", 'r1');
    expect(record.tools.map((t) => t.tool)).toContain('remember');
    expect(fs.readFileSync(path.join(dir, 'MEMORY.md'), 'utf8')).toMatch(/Clara/);
    const next = await ask('remember', "What is my sister's name?", 'r2');
    // The group's memory is in the host's note that opens the conversation, not in the system
    // prompt (which is the same bytes for every group: Ollama's cached prefix).
    expect(next.record.hostNotes[0]).toMatch(/^\[host\][\s\S]*Clara/);
  });

  it('a reminder: one Temporal Schedule for the group with a sensible spec; the same request again makes no second one', async () => {
    group('reminder');
    // "(cron)": since reply is offered, the 0.5B otherwise schedules the prompt alone, with no time.
    const text = 'Use schedule_task to remind me every weekday at 9:00 to check my email (cron).';
    const first = await ask('reminder', text, 'm1');
    expect(first.record.tools.map((t) => t.tool)).toContain('schedule_task');
    const tasks = TaskService.forConfig(bot.client, bot.config, (folder) => bot.store.groupByFolder(folder));
    const owner = { isMain: true, label: 'test' };
    const made = await eventually(async () => {
      const list = await tasks.list(owner, 'reminder');
      return list.length ? list : undefined;
    }, { timeoutMs: 15_000, what: 'the schedule in visibility' });
    expect(made).toHaveLength(1);
    // Weekdays at 09:00, in whatever spelling the model chose (1-5, MON-FRI).
    expect(made[0].when).toMatchObject({ kind: 'cron' });
    const [minute, hour, , , days] = (made[0].when as { cron: string }).cron.trim().split(/\s+/);
    expect([Number(minute), Number(hour), days.toUpperCase()]).toEqual([0, 9, expect.stringMatching(/^(1-5|MON-FRI)$/)]);
    const described = await bot.client.schedule.getHandle(made[0].id).describe();
    expect(described.spec.timezone ?? 'UTC').toBeTruthy();

    await ask('reminder', text, 'm2');
    // Visibility lists a new schedule a moment late: wait as long as for the first.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await tasks.list(owner, 'reminder')).map((t) => t.id)).toEqual([made[0].id]);
  });

  it("a question that needs a command: it runs in the group's container, and the number is in the reply", async () => {
    const lines = Array.from({ length: 7 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    group('command', { 'notes.txt': lines });
    const { record, reply } = await ask('command', 'Use run_command to run: wc -l notes.txt', 'c1');
    const command = record.tools.find((t) => t.tool === 'run_command');
    expect(command?.result).toMatch(/^exit code 0\nstdout:\n[\s\S]*7/);
    expect(reply).toMatch(/(^|\D)7(\D|$)/);
    // The group's own container ran it.
    const containers = await (bot.sandbox as DockerRuntime).list();
    expect(containers.map((c) => c.group)).toContain('command');
  });
});
