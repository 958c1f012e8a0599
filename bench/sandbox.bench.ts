// The sandbox's step round trip: one trivial step through the file-watch IPC into a warm
// container, beside `docker exec` of the same command in the same run; and the cold start
// of a group's container. Needs DOCKER_HOST and the agent image (scripts/components/docker.sh).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerRuntime } from '../container/runtime/docker.js';
import { sandboxSettings } from '../container/runtime/group-spec.js';
import { dockerClient } from '../container/runtime/select.js';
import type { Sandbox } from '../container/runtime/types.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { percentile } from './stats.js';

const STEPS = 200;
const EXECS = 50;
const COLD = 5;

async function timed(count: number, step: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await step();
    samples.push(performance.now() - started);
  }
  return samples;
}

const fmt = (samples: number[]) => `p50 ${percentile(samples, 50).toFixed(2)} ms, p95 ${percentile(samples, 95).toFixed(2)} ms (n=${samples.length})`;

async function ok(sandbox: Sandbox, request: Parameters<Sandbox['call']>[0]) {
  const response = await sandbox.call(request);
  if (!response.ok) throw new Error(response.error);
}

export async function run(): Promise<void> {
  if (!process.env.DOCKER_HOST) throw new Error('DOCKER_HOST is not set: run scripts/components/docker.sh and export what it prints.');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-bench-sandbox-'));
  const config = loadConfig({ DATA_DIR: path.join(dir, 'data'), GROUPS_DIR: path.join(dir, 'groups'), PROJECT_DIR: dir, CONTAINER_RUNTIME: 'docker', DOCKER_HOST: process.env.DOCKER_HOST });
  const { docker, where } = dockerClient(config.DOCKER_HOST);
  const runtime = new DockerRuntime({ docker, settings: sandboxSettings(config), log: createLogger('silent'), where });
  const group = { folder: 'bench', isMain: false };
  try {
    const sandbox = await runtime.sandboxFor(group);
    await timed(20, () => ok(sandbox, { type: 'ping' })); // warm up both sides
    const ping = await timed(STEPS, () => ok(sandbox, { type: 'ping' }));
    const ipcTrue = await timed(STEPS, () => ok(sandbox, { type: 'run_command', command: 'true', timeoutMs: 10_000, outputLimit: 1000 }));
    const [container] = await runtime.list();
    const target = docker.getContainer(container.id);
    const exec = await timed(EXECS, async () => {
      const created = await target.exec({ Cmd: ['true'], AttachStdout: false, AttachStderr: false });
      const stream = await created.start({ Detach: false });
      await new Promise((resolve) => stream.on('end', resolve).resume());
    });
    const cold = await timed(COLD, async () => {
      await runtime.remove(container.name);
      await ok(await runtime.sandboxFor(group), { type: 'ping' });
    });
    const p50 = (s: number[]) => percentile(s, 50);
    console.log(`IPC step (ping) into a warm container:        ${fmt(ping)}`);
    console.log(`IPC step run_command "true":                  ${fmt(ipcTrue)}`);
    console.log(`docker exec "true" (dockerode, same run):     ${fmt(exec)}`);
    console.log(`ratio docker exec / IPC ping (p50):           ${(p50(exec) / p50(ping)).toFixed(1)}x (goal: >= 10x, IPC p50 < 5 ms)`);
    console.log(`ratio docker exec / IPC run_command (p50):    ${(p50(exec) / p50(ipcTrue)).toFixed(1)}x`);
    console.log(`cold start of a group container to first answer: ${fmt(cold)}`);
  } finally {
    for (const c of await runtime.list()) await runtime.remove(c.name);
    runtime.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
