// /stop during a long sandbox command on the real Docker runtime: the command ends inside
// the group's container (its process list, read through the engine, no longer has it within
// a few seconds), the turn shows Cancelled, the chat is told, and a message queued behind
// the stopped turn is still answered. The no-container runtime's case is in running-turn.test.ts.
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { dockerClient } from '../../container/runtime/select.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { closedRun, until } from '../faults/support/faults.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { requireEngine } from '../sandbox/engine.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

/** The command lines of the processes in the group's container, as the engine sees them. */
async function processes(docker: Docker, name: string): Promise<string[]> {
  const top = (await docker.getContainer(name).top({ ps_args: '-eo pid,args' })) as { Processes?: string[][] };
  return (top.Processes ?? []).map((row) => row.join(' '));
}

describe('/stop on the Docker runtime', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let docker: Docker;

  beforeAll(async () => {
    const host = await requireEngine();
    docker = dockerClient(host).docker;
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

  it('ends the command in the container, says so, and answers the queued message', async () => {
    ollama.setScript((request) => {
      if (request.messages.at(-1)?.role === 'tool') return { content: 'must not be asked' };
      return /command/.test(lastUserText(request))
        ? { toolCalls: [{ name: 'run_command', arguments: { command: 'sleep 300; echo never' } }] }
        : { content: `echo: ${lastUserText(request)}` };
    });
    const { id } = await bot.post('main', 'run a long command');
    const turnId = `turn:main:${id}`;
    // The command runs in the group's container: the engine lists its process.
    let container = '';
    await until(
      'sleep 300 to run in the group container',
      async () => {
        // Created and started on the first step: its process list exists once it runs.
        const found = bot.sandbox instanceof DockerRuntime ? (await bot.sandbox.list()).find((c) => c.group === 'main' && c.state === 'running') : undefined;
        if (!found) return false;
        container = found.name;
        return (await processes(docker, container).catch(() => [])).some((line) => line.includes('sleep 300'));
      },
      90_000,
    );
    await bot.post('main', 'a queued question');

    await bot.post('main', '/stop');
    const stoppedAt = Date.now();
    expect((await closedRun(bot.client, turnId)).status.name).toBe('CANCELLED');
    // Ended inside the container, not only given up on by the host.
    await until('sleep 300 to be gone from the container', async () => !(await processes(docker, container)).some((line) => line.includes('sleep 300')), 15_000);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    // The container itself stays, for the group's next steps.
    expect((await docker.getContainer(container).inspect()).State.Running).toBe(true);

    const replies = await bot.waitForReplies('local:main', 3, 60_000);
    const texts = replies.map((m) => m.text);
    expect(texts).toContain(`Stopped ${turnId}. 1 waiting request is still queued and will be answered.`);
    expect(texts.some((text) => /^Sorry, I could not answer that: the run was cancelled/.test(text))).toBe(true);
    expect(texts).toContain('echo: user: a queued question');
    expect(texts.some((text) => text.includes('never'))).toBe(false);
    expect(ollama.requests.some((r) => r.messages.at(-1)?.role === 'tool')).toBe(false);
    await bot.groupIdle('main');
  });
});
