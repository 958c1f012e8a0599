// An `ollama serve` of the bench's own, with settings the one under test lacks (the number of
// slots, OLLAMA_NUM_PARALLEL), reading the models the Ollama component made
// (BABYBOT_OLLAMA_MODELS): `npm run bench prompt` compares settings in one run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { ollamaAnswers } from '../lib/ollama-server.js';
import { freePort } from '../tests/support/ports.js';

export interface BenchOllama {
  url: string;
  stop(): Promise<void>;
}

export async function serveOllama(env: Record<string, string>): Promise<BenchOllama> {
  const binary = process.env.BABYBOT_OLLAMA_BIN;
  const models = process.env.BABYBOT_OLLAMA_MODELS;
  if (!binary || !models || !fs.existsSync(models)) {
    throw new Error('needs the Ollama component: source .cache/test-env.sh (BABYBOT_OLLAMA_BIN) after scripts/components/ollama.sh');
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, ['serve'], {
    // OLLAMA_NOPRUNE: a second server on the same models must not delete what it did not make.
    env: { ...process.env, ...env, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: models, OLLAMA_NOPRUNE: '1' },
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!(await ollamaAnswers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ollama serve (${JSON.stringify(env)}) did not answer at ${url} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async stop() {
      // Its model runners are its children: the whole process group goes.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
