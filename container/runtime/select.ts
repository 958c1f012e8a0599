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
import { NoContainerRuntime, UNSAFE_BANNER } from './none.js';
import { SandboxUnavailableError, type Sandbox, type SandboxGroup, type SandboxRuntime } from './types.js';

const NO_RUNTIME =
  'No container runtime is available for the sandbox: start Docker (or set DOCKER_HOST), then ask again. ' +
  'To run steps on this machine without a sandbox (unsafe, development only), set CONTAINER_RUNTIME=none.';

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

/**
 * `auto` decides at the first step (and again at each step until it finds one), so an
 * engine started after BabyBot is still used; it never picks `none` by itself.
 */
class AutoRuntime implements SandboxRuntime {
  readonly name = 'auto';
  private chosen?: SandboxRuntime;

  constructor(private readonly candidates: { docker: DockerRuntime; dockerClient: Docker; apple: () => SandboxRuntime }) {}

  private async pick(): Promise<SandboxRuntime> {
    if (this.chosen) return this.chosen;
    try {
      await Promise.race([
        this.candidates.dockerClient.version(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3s')), 3000).unref()),
      ]);
      this.chosen = this.candidates.docker;
    } catch {
      if (hasAppleContainerCli()) this.chosen = this.candidates.apple();
    }
    if (!this.chosen) throw new SandboxUnavailableError(NO_RUNTIME);
    return this.chosen;
  }

  async describe(): Promise<string> {
    return `auto: ${await (await this.pick()).describe()}`;
  }
  async sandboxFor(group: SandboxGroup): Promise<Sandbox> {
    return (await this.pick()).sandboxFor(group);
  }
  async reapIdle(): Promise<string[]> {
    return this.chosen?.reapIdle() ?? [];
  }
  close(): void {
    this.chosen?.close?.();
  }
}

export function selectRuntime(config: Config, log: Logger): SandboxRuntime {
  const settings = sandboxSettings(config);
  const wanted = config.CONTAINER_RUNTIME;
  if (wanted === 'none') return new NoContainerRuntime(settings);
  if (wanted === 'apple-container') return new AppleContainerRuntime(settings, log);
  const { docker, where } = dockerClient(config.DOCKER_HOST);
  const runtime = new DockerRuntime({ docker, settings, log, where });
  if (wanted === 'docker') return runtime;
  return new AutoRuntime({ docker: runtime, dockerClient: docker, apple: () => new AppleContainerRuntime(settings, log) });
}

/**
 * The sandbox runtime of a process that owns it (`babybot start`, `babybot worker`): chosen
 * from the configuration, announced as unsafe at every start when it is `none`, and, when
 * this process serves the sandbox queue, reaping its idle containers. `stop` ends the
 * reaper and closes the runtime.
 */
export function openSandboxRuntime(config: Config, log: Logger, options: { reap: boolean }): { runtime: SandboxRuntime; stop: () => Promise<void> } {
  const runtime = selectRuntime(config, log);
  if (config.CONTAINER_RUNTIME === 'none') log.warn(UNSAFE_BANNER);
  const stopReaper = options.reap ? startReaper(runtime, reaperInterval(config.SANDBOX_IDLE_TIMEOUT), log) : undefined;
  return {
    runtime,
    stop: async () => {
      await stopReaper?.();
      runtime.close?.();
    },
  };
}

/** Removes idle group containers every interval; returns the function that stops it. */
function startReaper(runtime: SandboxRuntime, intervalMs: number, log: Logger): () => Promise<void> {
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

/** The reaper's period: often enough to honour the idle timeout closely, at most once a minute. */
function reaperInterval(idleTimeoutMs: number): number {
  return Math.min(60_000, Math.max(1_000, Math.floor(idleTimeoutMs / 4)));
}
