// Which runtime runs the sandbox steps. `auto` takes Docker when an engine answers, else
// Apple's `container` where its CLI exists, else none at all: steps then fail with a clear
// message. It never falls back to running on the host; only CONTAINER_RUNTIME=none does that.
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import { AppleContainerRuntime } from './apple-container.js';
import { DockerRuntime } from './docker.js';
import { sandboxSettings } from './group-spec.js';
import { NoContainerRuntime } from './none.js';
import { SandboxUnavailableError, type Sandbox, type SandboxRuntime } from './types.js';

const NO_RUNTIME =
  'No container runtime is available for the sandbox: start Docker (or set DOCKER_HOST), then restart BabyBot. ' +
  'To run steps on this machine without a sandbox (unsafe, development only), set CONTAINER_RUNTIME=none.';

/** Steps fail, plainly, when there is nothing safe to run them in. */
class UnavailableRuntime implements SandboxRuntime {
  readonly name = 'none';
  constructor(private readonly reason: string) {}
  async describe(): Promise<string> {
    throw new SandboxUnavailableError(this.reason);
  }
  async sandboxFor(): Promise<Sandbox> {
    throw new SandboxUnavailableError(this.reason);
  }
  async reapIdle(): Promise<string[]> {
    return [];
  }
}

/** A dockerode client for DOCKER_HOST (unix:// or tcp://), or the engine's default socket. */
export function dockerClient(dockerHost: string | undefined): { docker: Docker; where: string } {
  if (!dockerHost) return { docker: new Docker({ socketPath: '/var/run/docker.sock' }), where: 'unix:///var/run/docker.sock' };
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return { docker: new Docker({ socketPath: url.pathname }), where: dockerHost };
  return { docker: new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' }), where: dockerHost };
}

function hasAppleContainerCli(): boolean {
  if (process.platform !== 'darwin') return false;
  try {
    execFileSync('container', ['--version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export async function selectRuntime(config: Config, log: Logger): Promise<SandboxRuntime> {
  const settings = sandboxSettings(config);
  const wanted = config.CONTAINER_RUNTIME;
  if (wanted === 'none') return new NoContainerRuntime(settings);
  if (wanted === 'apple-container') return new AppleContainerRuntime(settings, log);
  const { docker, where } = dockerClient(config.DOCKER_HOST);
  const runtime = new DockerRuntime({ docker, settings, log, where });
  if (wanted === 'docker') return runtime;
  try {
    await Promise.race([
      docker.version(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3s')), 3000).unref()),
    ]);
    return runtime;
  } catch (error) {
    if (hasAppleContainerCli()) return new AppleContainerRuntime(settings, log);
    log.warn({ err: error, dockerHost: where }, 'no container runtime found; sandbox steps will fail until one is');
    return new UnavailableRuntime(NO_RUNTIME);
  }
}

/** Removes idle group containers every interval; returns the function that stops it. */
export function startReaper(runtime: SandboxRuntime, intervalMs: number, log: Logger): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => runtime.reapIdle().catch((error: unknown) => log.warn({ err: error }, 'the sandbox reaper failed')));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
