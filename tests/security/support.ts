// The hostile suite's set-up: a real BabyBot (real Temporal, real SQLite, the real Docker
// engine and agent image) with the owner's main chat and a group of strangers, "family",
// whose model does whatever its members ask. The scripted model plays that model: a
// message whose text names a planned tool call gets exactly that call, and the tool's
// result comes back as the reply ("tool said: …"), so a test reads what the host answered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { requireEngine } from '../sandbox/engine.js';
import { OllamaStub, withoutTimeNote, type ChatRequestBody, type Script } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

export interface PlannedCall {
  name: string;
  arguments: Record<string, unknown>;
}

export const FAMILY = { folder: 'family', jid: 'local:family' } as const;

/** Plans by the exact text of the message that asks for them; anything else is echoed. */
export function plannedScript(plans: Map<string, PlannedCall>): Script {
  return (request: ChatRequestBody) => {
    const last = request.messages.at(-1)!;
    if (last.role === 'tool') return { content: `tool said: ${last.content}` };
    const text = withoutTimeNote(last.content).replace(/^[^:]*: /, '');
    const call = plans.get(text);
    return call ? { toolCalls: [call] } : { content: `echo: ${text}` };
  };
}

export interface Hostile {
  bot: TestBot;
  ollama: OllamaStub;
  /** Where the bot's folders live (DATA_DIR, GROUPS_DIR, and what a test plants). */
  dir: string;
  /** Sends text to the chat, the model makes the call, and the reply (the tool's answer) comes back. */
  ask(chat: string, text: string, call?: PlannedCall, timeoutMs?: number): Promise<string>;
}

/**
 * A bot for the file's tests, started before them and stopped (its containers removed) after.
 * docker: the real engine and image (CONTAINER_RUNTIME=docker); otherwise no sandbox is needed.
 */
export function useHostileBot(
  options: {
    docker?: boolean;
    env?: Record<string, string>;
    /** Plants files in the bot's folder before it starts. */
    prepare?: (dir: string) => void | Promise<void>;
    /** PROJECT_DIR is the bot's folder itself, DATA_DIR and GROUPS_DIR inside it (as with the defaults). */
    projectAtRoot?: boolean;
  } = {},
): Hostile {
  const plans = new Map<string, PlannedCall>();
  let counter = 0;
  const handle = {} as Hostile;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-hostile-'));
    // The main group's project folder may be this one, which the container's user must be able to read.
    fs.chmodSync(dir, 0o755);
    const project = options.projectAtRoot ? dir : path.join(dir, 'project');
    fs.mkdirSync(project, { recursive: true });
    const env: Record<string, string> = { PROJECT_DIR: project, ...options.env };
    if (options.docker) {
      // SANDBOX_IMAGE from the environment: a change to the runner is tested with its own tag before it becomes latest.
      const image = process.env.SANDBOX_IMAGE ?? 'babybot-agent:latest';
      Object.assign(env, { CONTAINER_RUNTIME: 'docker', DOCKER_HOST: await requireEngine(image), SANDBOX_IMAGE: image });
    }
    await options.prepare?.(dir);
    const ollama = await new OllamaStub().start();
    ollama.setScript(plannedScript(plans));
    const bot = await startTestBot({ ollama, dir, env, workflowBundle: await bundleWorkflows() });
    bot.store.addGroup({ folder: FAMILY.folder, jid: FAMILY.jid, name: 'Family', triggerWord: null, requiresTrigger: false, isMain: false });
    Object.assign(handle, {
      bot,
      ollama,
      dir,
      async ask(chat: string, text: string, call?: PlannedCall, timeoutMs = 60_000) {
        const full = `${text} #${++counter}`;
        if (call) plans.set(full, call);
        const before = bot.replies(chat).length;
        await bot.post(chat, full);
        const replies = await bot.waitForReplies(chat, before + 1, timeoutMs);
        return replies[before].text;
      },
    });
  });
  afterAll(async () => {
    if (handle.bot?.sandbox instanceof DockerRuntime) {
      for (const container of await handle.bot.sandbox.list()) await handle.bot.sandbox.remove(container.name);
    }
    await handle.bot?.stop();
    await handle.ollama?.close();
    if (handle.dir) fs.rmSync(handle.dir, { recursive: true, force: true });
  });
  return handle;
}

export const shell = (command: string): PlannedCall => ({ name: 'run_command', arguments: { command } });

/**
 * What the host told the model at each model step, newest last: the system prompt and the
 * host's note that opens the conversation (the group's own part: its chat and memory).
 */
export const systemPrompts = (ollama: OllamaStub) =>
  ollama.requests.map((r) => `${r.messages[0]?.content ?? ''}\n\n${r.messages[1]?.content ?? ''}`);

/** Every event of every workflow in the bot's namespace, as text: what Temporal keeps. */
export async function allHistories(bot: TestBot): Promise<string> {
  const parts: string[] = [];
  for await (const execution of bot.client.workflow.list()) {
    const history = await bot.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    // Payloads are bytes: read them as text, as the Web UI shows them.
    parts.push(JSON.stringify(history, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value)));
  }
  return parts.join('\n');
}

/** Measures how late the event loop runs while work goes on: a blocked loop shows as a long lag. */
export function lagMonitor(): { stop(): number } {
  let worst = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    worst = Math.max(worst, now - last - 20);
    last = now;
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      worst = Math.max(worst, Date.now() - last - 20);
      return worst;
    },
  };
}
