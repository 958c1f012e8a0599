// A real model that delegates: the real Ollama and Qwen2.5-Coder-0.5B-Instruct (temperature 0,
// a fixed seed), a whole BabyBot with the real sandbox image. Judged by the effect: the turn
// called delegate, the host reserved its sub-agents in the store, each ran as a child
// workflow under the turn with its brief as its only context, and the turn ended with an answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { requireEngine } from '../sandbox/engine.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { haveRealOllama, holdRealOllama, promptClock, realOllama, unloadModel } from './support.js';
import { looksLikeRawCall, turnRecord } from './turn-steps.js';

const available = haveRealOllama();

describe.skipIf(!available)('a real model that delegates', { timeout: 1_200_000 }, () => {
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
        AGENT_MAX_STEPS: '3',
        AGENT_STEPS: '2',
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

  it('hands two sub-tasks to sub-agents that run as child workflows, and answers', async () => {
    await unloadModel(realOllama.toolModel);
    const id = 'd1';
    await bot.post('main', 'Use delegate with two tasks. Task one: "say hello". Task two: "say goodbye".', { id });
    const turnId = turnWorkflowId('main', id);
    const record = await turnRecord(bot.client, turnId);
    const agents = bot.store.agentsOfTurn(turnId);
    const reply = bot.replies('local:main').at(-1)?.text ?? '';
    console.log(`delegate: steps ${record.result.steps}; calls ${JSON.stringify(record.modelSteps.map((s) => s.toolCalls.map((c) => [c.function.name, c.function.arguments])))}; agents ${JSON.stringify(agents.map((a) => [a.id, a.status, a.brief]))}; reply ${JSON.stringify(reply)}`);
    expect(record.modelSteps[0].toolCalls.map((c) => c.function.name)).toContain('delegate');
    expect(agents.length).toBeGreaterThanOrEqual(1);
    for (const agent of agents) {
      expect(agent.id).toMatch(/^agent:main:d1:\d+$/);
      expect(agent.status).not.toBe('running');
      expect((await bot.client.workflow.getHandle(agent.id).describe()).status.name).toMatch(/COMPLETED|FAILED/);
    }
    expect(looksLikeRawCall(reply)).toBe(false);
  });
});
