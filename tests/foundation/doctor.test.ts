import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../support/ports.js';

describe('babybot doctor', () => {
  it('on a machine without Ollama, fails and names the fix', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-'));
    const result = spawnSync(process.execPath, ['bin/babybot.js', 'doctor'], {
      env: {
        ...process.env,
        DATA_DIR: path.join(dir, 'data'),
        OLLAMA_HOST: `http://127.0.0.1:${await freePort()}`,
        TEMPORAL_CLI: inject('temporalCli'),
        TEMPORAL_ADDRESS: '',
        CONTAINER_RUNTIME: 'none',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/OK {3}Node\.js: v\d+/);
    expect(result.stdout).toMatch(/OK {3}Temporal: embedded server from /);
    expect(result.stdout).toMatch(/FAIL Ollama and the model: Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+/);
    expect(result.stdout).toContain('`ollama serve`');
    expect(result.stdout).toContain('ollama pull qwen2.5:7b');
    expect(result.stdout).toContain('Fix the FAIL lines above');
  });
});
