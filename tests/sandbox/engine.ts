// The real Docker engine and agent image for the sandbox tests. A missing one fails the
// test with what to run; nothing here skips.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IpcClient } from '../../container/ipc/client.js';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { ipcDir, sandboxSettings } from '../../container/runtime/group-spec.js';
import { dockerClient } from '../../container/runtime/select.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';

const HOW = 'Run `npm run test:all` (or `bash scripts/components/docker.sh` and export the DOCKER_HOST it prints).';

export async function requireEngine(image = 'babybot-agent:latest'): Promise<string> {
  const host = process.env.DOCKER_HOST;
  if (!host) throw new Error(`DOCKER_HOST is not set: the sandbox tests need a real Docker engine. ${HOW}`);
  const { docker } = dockerClient(host);
  try {
    await docker.version();
  } catch (error) {
    throw new Error(`The Docker engine at ${host} does not answer (${(error as Error).message}). ${HOW}`);
  }
  try {
    await docker.getImage(image).inspect();
  } catch {
    throw new Error(`The agent image ${image} is missing from the engine at ${host}. ${HOW}`);
  }
  return host;
}

export interface TestSandbox {
  dir: string;
  config: Config;
  runtime: DockerRuntime;
  ipc(folder: string): IpcClient;
  /** A second runtime on the same installation, as after a restart of BabyBot. */
  restart(): DockerRuntime;
  cleanup(): Promise<void>;
}

export async function testSandbox(env: Record<string, string> = {}): Promise<TestSandbox> {
  const host = await requireEngine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-sandbox-'));
  // It is also the main group's project folder, which the container's user must be able to read.
  fs.chmodSync(dir, 0o755);
  const config = loadConfig({
    DATA_DIR: path.join(dir, 'data'),
    GROUPS_DIR: path.join(dir, 'groups'),
    PROJECT_DIR: dir,
    CONTAINER_RUNTIME: 'docker',
    DOCKER_HOST: host,
    ...env,
  });
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const make = () => new DockerRuntime({ ...dockerClient(host), settings: sandboxSettings(config), log });
  const runtimes = [make()];
  return {
    dir,
    config,
    runtime: runtimes[0],
    ipc: (folder) => new IpcClient(ipcDir(sandboxSettings(config), folder)),
    restart() {
      const next = make();
      runtimes.push(next);
      return next;
    },
    async cleanup() {
      for (const container of await runtimes[0].list()) await runtimes[0].remove(container.name);
      for (const runtime of runtimes) runtime.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
