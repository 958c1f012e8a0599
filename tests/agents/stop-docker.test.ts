// /stop of a turn whose sub-agents work, on a whole BabyBot with the real Docker runtime and
// the model stand-in speaking Ollama's HTTP API: every sub-agent's run ends Cancelled, the
// command each one runs ends inside the group's container (its process list, read through the
// engine), and sub-agents waiting for the model have their Ollama requests closed.
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { dockerClient } from '../../container/runtime/select.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { closedRun, until } from '../faults/support/faults.js';
import { lastUserText, OllamaStub, type ChatRequestBody } from '../support/ollama-stub.js';
import { requireEngine } from '../sandbox/engine.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

async function processes(docker: Docker, name: string): Promise<string[]> {
  const top = (await docker.getContainer(name).top({ ps_args: '-eo pid,args' })) as { Processes?: string[][] };
  return (top.Processes ?? []).map((row) => row.join(' '));
}

const isSubAgent = (request: ChatRequestBody) => request.messages[1]?.content.includes('You are a sub-agent') ?? false;

describe('/stop of a turn with sub-agents, on the Docker runtime', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let docker: Docker;

  beforeAll(async () => {
    const host = await requireEngine();
    docker = dockerClient(host).docker;
    ollama = await new OllamaStub().start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: { CONTAINER_RUNTIME: 'docker', DOCKER_HOST: host, MAX_CONCURRENT_MODEL_CALLS: '4' } });
  });
  afterAll(async () => {
    if (bot?.sandbox instanceof DockerRuntime) {
      for (const container of await bot.sandbox.list()) await bot.sandbox.remove(container.name);
    }
    await bot?.stop();
    await ollama?.close();
  });

  it('ends every sub-agent and the command each runs in the container', async () => {
    ollama.setScript((request) => {
      if (isSubAgent(request)) return { toolCalls: [{ name: 'run_command', arguments: { command: `sleep 30${request.messages.at(-1)?.content.slice(-1)}; echo never` } }] };
      if (request.messages.at(-1)?.role === 'tool') return { content: 'must not be asked' };
      return { toolCalls: [{ name: 'delegate', arguments: { tasks: [1, 2, 3].map((n) => ({ brief: `run command ${n}` })) } }] };
    });
    const { id } = await bot.post('main', 'three long commands');
    const turnId = `turn:main:${id}`;
    let container = '';
    await until(
      'the three sleeps to run in the group container',
      async () => {
        const found = bot.sandbox instanceof DockerRuntime ? (await bot.sandbox.list()).find((c) => c.group === 'main' && c.state === 'running') : undefined;
        if (!found) return false;
        container = found.name;
        const lines = await processes(docker, container).catch(() => []);
        return ['sleep 301', 'sleep 302', 'sleep 303'].every((sleep) => lines.some((line) => line.includes(sleep)));
      },
      90_000,
    );
    await bot.post('main', '/stop');
    const stoppedAt = Date.now();
    expect((await closedRun(bot.client, turnId)).status.name).toBe('CANCELLED');
    for (const n of [1, 2, 3]) expect((await closedRun(bot.client, `agent:main:${id}:${n}`)).status.name).toBe('CANCELLED');
    await until('the sleeps to be gone from the container', async () => !(await processes(docker, container)).some((line) => /sleep 30[123]/.test(line)), 15_000);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(bot.store.agentsOfTurn(turnId).map((row) => row.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(ollama.requests.some((r) => !isSubAgent(r) && r.messages.at(-1)?.role === 'tool')).toBe(false);
    await bot.groupIdle('main');
  });

  it("closes the Ollama requests of sub-agents waiting for the model", async () => {
    ollama.setScript((request) => {
      if (isSubAgent(request)) return { content: 'late', delayMs: 120_000 };
      if (request.messages.at(-1)?.role === 'tool') return { content: 'must not be asked' };
      return /think/.test(lastUserText(request)) ? { toolCalls: [{ name: 'delegate', arguments: { tasks: [{ brief: 'think a' }, { brief: 'think b' }] } }] } : { content: 'ok' };
    });
    const abortedBefore = ollama.aborted;
    const { id } = await bot.post('main', 'think hard, twice');
    const turnId = `turn:main:${id}`;
    await until('both sub-agents to be waiting for the model', async () => ollama.requests.filter((r) => isSubAgent(r) && r.messages.at(-1)?.content.startsWith('think')).length >= 2, 30_000);
    await bot.post('main', '/stop');
    expect((await closedRun(bot.client, turnId)).status.name).toBe('CANCELLED');
    await until('the stand-in to see both requests closed', async () => ollama.aborted - abortedBefore >= 2, 15_000);
    await bot.groupIdle('main');
  });
});
