// `babybot doctor --pull`, run as a person runs it: a missing model is pulled with a
// progress bar and its capabilities are shown; offline, the pull fails at once saying so.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OllamaStub } from '../support/ollama-stub.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('babybot doctor --pull', { timeout: 90_000 }, () => {
  let ollama: OllamaStub;
  beforeAll(async () => {
    ollama = await new OllamaStub([]).start();
  });
  afterAll(async () => ollama?.close());

  // Not spawnSync: the stand-in answers from this process's event loop.
  const doctor = () =>
    new Promise<{ code: number; stdout: string }>((resolve) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-pull-'));
      execFile(
        process.execPath,
        [path.join(ROOT, 'bin/babybot.js'), 'doctor', '--pull'],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            DATA_DIR: path.join(dir, 'data'),
            OLLAMA_HOST: ollama.url,
            TEMPORAL_CLI: inject('temporalCli'),
            CONTAINER_RUNTIME: 'none',
            WHATSAPP_ENABLED: 'off',
          },
          timeout: 60_000,
        },
        (error, stdout) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });

  it('offline: FAIL at once, saying the machine looks offline and what to do', async () => {
    ollama.pullError = 'pull model manifest: Get "https://registry.ollama.ai/v2/library/qwen2.5/manifests/7b": dial tcp: lookup registry.ollama.ai: no such host';
    const { code, stdout } = await doctor();
    console.log(stdout);
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL Ollama and the model: The model qwen2\.5:7b is not available in Ollama, and this machine looks offline/);
    expect(stdout).toContain('ollama list');
    expect(stdout).toContain('`babybot model import FILE` creates qwen2.5:7b from it');
  });

  it('pulls the missing model with a progress bar, then shows its capabilities', async () => {
    ollama.pullError = undefined;
    const { code, stdout } = await doctor();
    console.log(stdout);
    expect(stdout).toMatch(/pulling qwen2\.5:7b \[#+\.*\] +50% /);
    expect(stdout).toMatch(/pulling qwen2\.5:7b \[#{30}\] 100% /);
    expect(stdout).toMatch(/OK {3}Ollama and the model: Ollama .* model qwen2\.5:7b \(pulled just now\): tools, no thinking, no vision; context 32768, num_ctx 8192/);
    expect(stdout).toMatch(/OK {3}Model tools: qwen2\.5:7b calls tools/);
    expect(code).toBe(0);
  });
});
