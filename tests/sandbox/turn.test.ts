// End to end: a message asks for a command; the scripted model calls run_command; the step
// runs in the group's real container; its output reaches the chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { requireEngine } from './engine.js';
import { SANDBOX_UID } from '../../container/runtime/group-spec.js';

describe('a turn that runs a command', () => {
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    const host = await requireEngine();
    ollama = await new OllamaStub().start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: { CONTAINER_RUNTIME: 'docker', DOCKER_HOST: host } });
  });
  afterAll(async () => {
    if (bot?.sandbox instanceof DockerRuntime) {
      for (const container of await bot.sandbox.list()) await bot.sandbox.remove(container.name);
    }
    await bot?.stop();
    await ollama?.close();
  });

  it('the output of run_command reaches the chat', async () => {
    let toolResult = '';
    ollama.setScript((request, index) => {
      if (index === 0) return { toolCalls: [{ name: 'run_command', arguments: { command: 'echo "sum=$((6*7))"; id -u' } }] };
      toolResult = request.messages.at(-1)?.content ?? '';
      return { content: `The sandbox said: ${toolResult.split('\n').find((l) => l.startsWith('sum='))}` };
    });
    await bot.post('main', 'what is 6*7? use the shell');
    const replies = await bot.waitForReplies('local:main', 1, 60_000);
    expect(replies[0].text).toBe('The sandbox said: sum=42');
    expect(toolResult.startsWith(`exit code 0\nstdout:\nsum=42\n${SANDBOX_UID}\n`)).toBe(true);
    // The prompt listed the skills, and the model was offered the sandbox tools.
    expect(ollama.requests[0].messages[0].content).toMatch(/- notes: /);
    expect(ollama.requests[0].tools?.map((t) => t.function.name)).toEqual(expect.arrayContaining(['run_command', 'read_file', 'write_file', 'list_files', 'read_skill']));
    const health = await bot.health();
    expect(health.components.sandbox).toMatchObject({ ok: true });
  });
});
