// Fault: the sandbox worker is SIGKILLed right after a command ran (and, apart, the
// group's container dies while a command runs). Before: every attempt of a step wrote a
// request with a new random id, so the retry after the worker's heartbeat timeout ran the
// shell command again (a line appended twice). Now the request id is the run and the step:
// the runner answers a repeat from its memory, and a command whose container died under it
// is reported to the model, not run again. Real Docker, real agent image.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { containerName, sandboxSettings } from '../../container/runtime/group-spec.js';
import { dockerClient } from '../../container/runtime/select.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { spawnBabyBot, type BabyBotProcess } from '../support/babybot-process.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, testEnv, type TestBot } from '../support/test-bot.js';
import { requireEngine } from '../sandbox/engine.js';
import { until } from './support/faults.js';

const COMMAND = 'echo ran >> /workspace/group/side-effect.txt; sleep 3; echo finished';

describe('a sandbox step whose worker or container dies', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let host: string;
  const workers: BabyBotProcess[] = [];
  const startWorker = async () => {
    const worker = spawnBabyBot(['worker', '--queues', 'sandbox'], testEnv(bot.dir, bot.namespace, ollama, { CONTAINER_RUNTIME: 'docker', DOCKER_HOST: host, LOG_LEVEL: 'warn' }));
    workers.push(worker);
    await worker.waitFor(/BabyBot worker is running/);
    return worker;
  };
  const sideEffects = () => {
    try {
      return fs.readFileSync(path.join(bot.config.groupsDir, 'main', 'side-effect.txt'), 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };

  beforeAll(async () => {
    host = await requireEngine();
    ollama = await new OllamaStub().start();
    // This process has no sandbox worker: the sandbox queue is served by the worker processes.
    bot = await startTestBot({
      ollama,
      serve: ['workflows', 'channel', 'model'],
      workflowBundle: await bundleWorkflows(),
      env: { CONTAINER_RUNTIME: 'docker', DOCKER_HOST: host },
    });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGKILL');
    if (bot?.sandbox instanceof DockerRuntime) for (const container of await bot.sandbox.list()) await bot.sandbox.remove(container.name);
    await bot?.stop();
    await ollama?.close();
  });

  it('a worker SIGKILLed right after the command ran: the command ran exactly once', async () => {
    let toolResult = '';
    ollama.setScript((request, index) => {
      if (index === 0) return { toolCalls: [{ name: 'run_command', arguments: { command: COMMAND } }] };
      toolResult = request.messages.at(-1)?.content ?? '';
      return { content: 'all done' };
    });
    const first = await startWorker();
    await bot.post('main', 'append a line');
    await until('the command to have run', () => sideEffects() === 1, 60_000);
    await first.kill('SIGKILL');
    await startWorker(); // Temporal retries the step here after the heartbeat timeout (20 s)
    const replies = await bot.waitForReplies('local:main', 1, 90_000);
    expect(replies[0].text).toBe('all done');
    expect(sideEffects()).toBe(1);
    expect(toolResult).toMatch(/^exit code 0\nstdout:\nfinished\n/);
    console.log(`worker killed after the command ran: side effect ${sideEffects()}×, the model read ${JSON.stringify(toolResult.split('\n').slice(0, 3).join(' / '))}`);
  }, 150_000);

  it('a container that dies while the command runs: reported to the model, not run again', async () => {
    fs.rmSync(path.join(bot.config.groupsDir, 'main', 'side-effect.txt'), { force: true });
    let toolResult = '';
    ollama.setScript((request) => {
      if (request.messages.at(-1)?.role !== 'tool') return { toolCalls: [{ name: 'run_command', arguments: { command: COMMAND.replace('sleep 3', 'sleep 30') } }] };
      toolResult = request.messages.at(-1)?.content ?? '';
      return { content: 'noted' };
    });
    await bot.post('main', 'append another line');
    await until('the command to be running', () => sideEffects() === 1, 60_000);
    const { docker } = dockerClient(host);
    await docker.getContainer(containerName(sandboxSettings(bot.config), 'main')).kill();
    const replies = await bot.waitForReplies('local:main', 2, 90_000);
    expect(replies[1].text).toBe('noted');
    expect(toolResult).toMatch(/its container stopped before the command finished.*not run again/s);
    expect(sideEffects()).toBe(1);
    console.log(`container killed mid-command: side effect ${sideEffects()}×, the model read ${JSON.stringify(toolResult.slice(0, 120))}`);
  }, 150_000);
});
