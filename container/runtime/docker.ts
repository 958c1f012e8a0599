// The docker runtime: one long-lived, hardened container per group, through dockerode.
// Started on first need, found again (not duplicated) after a restart of BabyBot, replaced
// when it died or its spec (image, limits, mounts) changed, removed when idle.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../../lib/logger.js';
import { callStoppingOnAbort, IpcClient } from '../ipc/client.js';
import type { SandboxRequest } from '../ipc/schema.js';
import { DiskGuard } from './disk-guard.js';
import {
  commandUid,
  containerName,
  ipcDir,
  LABELS,
  limitsFor,
  mountsFor,
  prepareHostFolders,
  RUNNER_CAPS,
  RUNNER_PROTOCOL,
  runnerMounts,
  specHash,
  type SandboxSettings,
} from './group-spec.js';
import {
  ContainerDiedError,
  SandboxUnavailableError,
  type CallOptions,
  type Sandbox,
  type SandboxGroup,
  type SandboxRuntime,
} from './types.js';

export interface DockerRuntimeDeps {
  docker: Docker;
  settings: SandboxSettings;
  log: Logger;
  /** Where the engine is, for messages. */
  where: string;
}

/** A running group container this process knows: its IPC and a promise that rejects when it stops. */
interface Handle {
  name: string;
  id: string;
  spec: string;
  ipc: IpcClient;
  gone: Promise<never>;
  stopWatching: AbortController;
  busy: number;
  group: SandboxGroup;
}

export class DockerRuntime implements SandboxRuntime {
  readonly name = 'docker';
  private readonly handles = new Map<string, Handle>();
  private readonly starting = new Map<string, Promise<Handle>>();
  private imageId?: string;
  private readonly disk: DiskGuard;

  constructor(private readonly deps: DockerRuntimeDeps) {
    this.disk = new DiskGuard(deps.settings);
  }

  async describe(): Promise<string> {
    const version = await this.engine(() => this.deps.docker.version());
    await this.image();
    return `Docker ${version.Version} at ${this.deps.where}, image ${this.deps.settings.image}`;
  }

  async sandboxFor(group: SandboxGroup): Promise<Sandbox> {
    const handle = await this.ensure(group);
    return { instance: handle.id, call: (request, options) => this.call(handle, request, options) };
  }

  /** The group's container, running, made from the current spec. */
  async ensure(group: SandboxGroup): Promise<Handle> {
    const name = containerName(this.deps.settings, group.folder);
    const pending = this.starting.get(name);
    if (pending) return pending;
    const started = this.findOrStart(group, name).finally(() => this.starting.delete(name));
    this.starting.set(name, started);
    return started;
  }

  private async findOrStart(group: SandboxGroup, name: string): Promise<Handle> {
    const { settings, docker, log } = this.deps;
    const limits = limitsFor(settings, group);
    const mounts = mountsFor(settings, group);
    // The commands' uid is part of it: a container of an older BabyBot (commands as uid 1000) is replaced.
    const spec = specHash({ image: await this.image(), limits, mounts, user: commandUid() });
    const known = this.handles.get(name);
    if (known && known.spec === spec) return known;

    const existing = await this.inspect(name);
    if (existing?.State.Running && existing.Config.Labels?.[LABELS.spec] === spec) {
      log.debug({ container: name }, 'found the group container running');
      return this.track(name, existing.Id, spec, group);
    }
    if (existing) {
      log.info({ container: name, running: existing.State.Running }, 'replacing the group container (stopped or changed)');
      await this.remove(name);
    }

    for (const replaced of prepareHostFolders(settings, group)) {
      log.warn({ container: name }, `${replaced}, not a real folder: replaced it, followed nothing`);
    }
    const ipc = new IpcClient(ipcDir(settings, group.folder));
    ipc.clear();
    const inside = runnerMounts(mounts, group);
    const container = await this.engine(() =>
      docker.createContainer({
        name,
        Image: settings.image,
        Labels: { [LABELS.install]: settings.install, [LABELS.group]: group.folder, [LABELS.spec]: spec },
        Env: [
          `BABYBOT_MOUNTS=${JSON.stringify(inside)}`,
          'BABYBOT_IPC_DIR=/workspace/ipc',
          `BABYBOT_COMMAND_USER=${commandUid()}:${commandUid()}`,
        ],
        // The runner is the container's root with RUNNER_CAPS only; every command and file
        // tool runs as SANDBOX_UID with no capability (see group-spec.ts).
        User: '0:0',
        WorkingDir: '/workspace/group',
        HostConfig: {
          // The model runs on the host; nothing in the sandbox needs a network.
          NetworkMode: 'none',
          ReadonlyRootfs: true,
          // Docker's default tmpfs has no size cap.
          Tmpfs: { '/tmp': `rw,noexec,nosuid,size=${limits.tmpfsMb}m` },
          CapDrop: ['ALL'],
          // A host that is not root owns the IPC folders (0700): the runner, root in the
          // container but not their owner, needs DAC_OVERRIDE to reach them.
          CapAdd: [...RUNNER_CAPS, ...(process.getuid?.() === 0 ? [] : ['DAC_OVERRIDE'])],
          SecurityOpt: ['no-new-privileges'],
          Memory: limits.memoryMb * 1024 * 1024,
          MemorySwap: limits.memoryMb * 1024 * 1024,
          PidsLimit: limits.pids,
          NanoCpus: Math.round(limits.cpus * 1e9),
          Init: true,
          Mounts: [
            ...mounts.map((m) => ({ Type: 'bind' as const, Source: m.real, Target: m.path, ReadOnly: !m.writable })),
            { Type: 'bind' as const, Source: ipc.dir, Target: '/workspace/ipc', ReadOnly: false },
          ],
        },
      }),
    ).catch((error: unknown) => {
      if (statusOf(error) === 404) {
        throw imageMissing(settings.image);
      }
      throw error;
    });
    await this.engine(() => container.start());
    log.info({ container: name, limits }, 'started the group container');
    return this.track(name, container.id, spec, group);
  }

  private track(name: string, id: string, spec: string, group: SandboxGroup): Handle {
    this.forget(name);
    const stopWatching = new AbortController();
    // One wait per container (not per step): it returns when the container stops, so a step
    // waiting for an answer learns at once that none will come.
    const gone = this.deps.docker
      .getContainer(id)
      .wait({ abortSignal: stopWatching.signal })
      .then(
        (): never => {
          this.forget(name);
          throw new ContainerDiedError(`The sandbox container of group "${group.folder}" stopped during the step.`);
        },
        (error: unknown): Promise<never> => {
          if (stopWatching.signal.aborted) return new Promise<never>(() => {});
          throw new ContainerDiedError(`Lost sight of the sandbox container of "${group.folder}": ${(error as Error).message}`);
        },
      );
    gone.catch(() => {});
    const handle: Handle = {
      name,
      id,
      spec,
      ipc: new IpcClient(ipcDir(this.deps.settings, group.folder)),
      gone,
      stopWatching,
      busy: 0,
      group,
    };
    this.handles.set(name, handle);
    return handle;
  }

  private forget(name: string): void {
    this.handles.get(name)?.stopWatching.abort();
    this.handles.delete(name);
  }

  private async call(handle: Handle, request: SandboxRequest, options: CallOptions = {}) {
    handle.busy++;
    const id = options.requestId ?? crypto.randomUUID();
    try {
      // Before the step too: a group over its disk or inode limit runs nothing that could add more.
      const before = await this.disk.beforeStep(handle.group, request);
      const response = await callStoppingOnAbort(handle.ipc, request, { signal: options.signal, gone: handle.gone }, id, (error) =>
        this.deps.log.warn({ err: error }, 'could not cancel a command'),
      );
      await this.disk.afterStep(handle.group, before);
      return response;
    } finally {
      handle.busy--;
    }
  }

  async reapIdle(): Promise<string[]> {
    const { docker, settings, log } = this.deps;
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.install}=${settings.install}`] } });
    const removed: string[] = [];
    for (const info of containers) {
      const name = info.Names[0]?.replace(/^\//, '') ?? info.Id;
      if ((this.handles.get(name)?.busy ?? 0) > 0) continue;
      const folder = info.Labels[LABELS.group];
      const idleMs = Date.now() - lastUse(ipcDir(settings, folder), info.Created * 1000);
      if (info.State === 'running' && idleMs < settings.idleTimeoutMs) continue;
      await this.remove(name);
      log.info({ container: name, idleSeconds: Math.round(idleMs / 1000) }, 'removed an idle group container');
      removed.push(name);
    }
    return removed;
  }

  /** This installation's containers (name and state), for status and tests. */
  async list(): Promise<{ name: string; id: string; state: string; group: string }[]> {
    const { docker, settings } = this.deps;
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.install}=${settings.install}`] } });
    return containers.map((c) => ({ name: c.Names[0]?.replace(/^\//, '') ?? c.Id, id: c.Id, state: c.State, group: c.Labels[LABELS.group] }));
  }

  async remove(name: string): Promise<void> {
    this.forget(name);
    await this.deps.docker
      .getContainer(name)
      .remove({ force: true })
      .catch((error: unknown) => {
        if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
      });
  }

  /** Stops watching the containers; they keep running, to be found again by the next start. */
  close(): void {
    for (const name of [...this.handles.keys()]) this.forget(name);
  }

  private async inspect(name: string) {
    try {
      return await this.engine(() => this.deps.docker.getContainer(name).inspect());
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private async image(): Promise<string> {
    if (this.imageId) return this.imageId;
    try {
      const image = await this.engine(() => this.deps.docker.getImage(this.deps.settings.image).inspect());
      // An image from before the runner/command split would run the model's commands as the
      // container's root: refuse it rather than run it.
      if (image.Config.Labels?.[LABELS.runner] !== RUNNER_PROTOCOL) {
        throw new SandboxUnavailableError(
          `The agent image ${this.deps.settings.image} is older than this BabyBot (its runner does not run the model's commands ` +
            'as a separate user): rebuild it with `babybot sandbox build`.',
        );
      }
      this.imageId = image.Id;
      return this.imageId;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      throw imageMissing(this.deps.settings.image);
    }
  }

  /** Engine calls: an engine that does not answer is a person's problem, said plainly. */
  private async engine<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES') {
        throw new SandboxUnavailableError(
          `The Docker engine at ${this.deps.where} does not answer (${code}): start Docker or set DOCKER_HOST to where it listens.`,
        );
      }
      throw error;
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** The last step sent to the group: writing a request touches requests/, even across restarts. */
function lastUse(dir: string, createdMs: number): number {
  const mtime = fs.statSync(path.join(dir, 'requests'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return Math.max(mtime, createdMs);
}

function imageMissing(image: string): SandboxUnavailableError {
  return new SandboxUnavailableError(`The agent image ${image} is missing: build it with \`npm run build:agent\` (or \`babybot sandbox build\`).`);
}
