// Fault: a supervisor stops `npm start` the usual way, SIGTERM to npm's pid. npm then ends
// its script's shell and exits without signalling BabyBot, which ran on, orphaned, with its
// embedded Temporal server holding the ports (seen with `setsid npm start`, then `kill`).
// Now BabyBot watches what started it and stops with it, cleanly: nothing of it is left
// running, and the Temporal port and the Web UI port are free.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAlive } from '../support/babybot-process.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { until } from './support/faults.js';

const REPO = path.resolve(import.meta.dirname, '../..');

/** Every process below pid (children, grandchildren…). */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of rows) {
      if (ppid !== parent) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

describe('`npm start` stopped with SIGTERM to npm', () => {
  let ollama: OllamaStub;
  beforeAll(async () => {
    ollama = await new OllamaStub().start();
  });
  afterAll(async () => {
    await ollama?.close();
  });

  it('leaves nothing of BabyBot running, and frees the Temporal and Web UI ports', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-fault-npm-'));
    const [httpPort, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env: Record<string, string | undefined> = {
      ...process.env,
      DATA_DIR: path.join(dir, 'data'),
      GROUPS_DIR: path.join(dir, 'groups'),
      HTTP_PORT: String(httpPort),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_CLI: inject('temporalCli'),
      OLLAMA_HOST: ollama.url,
      CONTAINER_RUNTIME: 'none',
      WHATSAPP_ENABLED: 'off',
      LOG_LEVEL: 'warn',
    };
    delete env.TEMPORAL_ADDRESS;
    for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
    // Its own session, as `setsid npm start` or a service manager gives it.
    const npm = spawn('npm', ['start'], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout!.on('data', (chunk) => (output += chunk));
    npm.stderr!.on('data', (chunk) => (output += chunk));
    const npmExited = new Promise<void>((resolve) => npm.on('exit', () => resolve()));
    let left: number[] = [];
    try {
      await until('BabyBot to start under npm', () => output.includes('BabyBot is running'), 120_000);
      left = descendants(npm.pid!);
      const server = JSON.parse(fs.readFileSync(path.join(dir, 'data', 'temporal-server.json'), 'utf8')) as { pid: number };
      expect(left).toContain(server.pid);
      expect(await portFree(temporalPort)).toBe(false);

      process.kill(npm.pid!, 'SIGTERM');
      await npmExited;
      const stopped = Date.now();
      await until('every BabyBot process to exit', () => left.every((pid) => !isAlive(pid)), 60_000);
      const seconds = (Date.now() - stopped) / 1000;
      await until('the ports to be free', async () => (await portFree(temporalPort)) && (await portFree(uiPort)) && (await portFree(httpPort)), 10_000);
      console.log(`npm got SIGTERM; ${left.length} processes under it (BabyBot, Temporal, watchdog) all gone ${seconds.toFixed(1)}s after npm exited; ports ${temporalPort}, ${uiPort}, ${httpPort} free`);
    } finally {
      for (const pid of [...left, npm.pid!]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already, as it should be
        }
      }
    }
  }, 180_000);
});
