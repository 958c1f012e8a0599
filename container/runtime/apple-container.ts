// Apple's `container` CLI (macOS 26 on Apple silicon): each container is its own small VM,
// which is the isolation boundary. Thin and untested on these Linux machines: it starts
// one container per group with the same mounts, user, memory and CPU limits, and talks to
// the runner through the same file-watch IPC. Not enforced here (the CLI has no flags for
// them as far as we know): a pids limit, dropping capabilities, a read-only root, no network.
// So it serves the main group only (the owner's own chat): a group of strangers would get a
// sandbox with a network and none of Docker's limits, and is refused with the reason.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Logger } from '../../lib/logger.js';
import { callStoppingOnAbort, IpcClient } from '../ipc/client.js';
import { containerName, ipcDir, limitsFor, mountsFor, commandUid, prepareHostFolders, runnerMounts, type SandboxSettings } from './group-spec.js';
import { SandboxUnavailableError, type Sandbox, type SandboxGroup, type SandboxRuntime } from './types.js';

const run = promisify(execFile);

export class AppleContainerRuntime implements SandboxRuntime {
  readonly name = 'apple-container';
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly settings: SandboxSettings,
    private readonly log: Logger,
  ) {}

  private async cli(...args: string[]): Promise<string> {
    try {
      return (await run('container', args, { timeout: 60_000 })).stdout;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new SandboxUnavailableError('Apple\'s `container` CLI is not installed: install it, or use Docker (CONTAINER_RUNTIME=docker).');
      }
      throw error;
    }
  }

  async describe(): Promise<string> {
    return `apple-container ${(await this.cli('--version')).trim()}, image ${this.settings.image}`;
  }

  private async running(name: string): Promise<boolean> {
    try {
      return /"status"\s*:\s*"running"/.test(await this.cli('inspect', name));
    } catch {
      return false;
    }
  }

  async sandboxFor(group: SandboxGroup): Promise<Sandbox> {
    if (!group.isMain) {
      throw new SandboxUnavailableError(
        `The apple-container runtime does not sandbox group "${group.folder}": it cannot cut the network, make the root ` +
          'read-only, drop capabilities or limit processes, so only the main group may use it. Use Docker for other groups ' +
          '(CONTAINER_RUNTIME=docker).',
      );
    }
    const name = containerName(this.settings, group.folder);
    const ipc = new IpcClient(ipcDir(this.settings, group.folder));
    if (!(await this.running(name))) {
      const limits = limitsFor(this.settings, group);
      const mounts = mountsFor(this.settings, group);
      for (const replaced of prepareHostFolders(this.settings, group)) this.log.warn(`${replaced}: replaced it, followed nothing`);
      ipc.clear();
      await this.cli('delete', '--force', name).catch(() => '');
      const inside = runnerMounts(mounts, group);
      await this.cli(
        'run', '--detach', '--name', name,
        // The runner as the VM's root runs the model's commands as SANDBOX_UID, as with Docker.
        '--user', '0:0',
        '--env', `BABYBOT_COMMAND_USER=${commandUid()}:${commandUid()}`,
        '--memory', `${limits.memoryMb}M`, '--cpus', String(Math.max(1, Math.round(limits.cpus))),
        '--env', `BABYBOT_MOUNTS=${JSON.stringify(inside)}`,
        ...mounts.flatMap((m) => ['--volume', `${m.real}:${m.path}${m.writable ? '' : ':ro'}`]),
        '--volume', `${ipc.dir}:/workspace/ipc`,
        this.settings.image,
      );
      this.log.info({ container: name }, 'started the group container (apple-container)');
    }
    this.lastUsed.set(name, Date.now());
    return {
      call: (request, options = {}) =>
        callStoppingOnAbort(ipc, request, { signal: options.signal }, options.requestId ?? crypto.randomUUID(), (error) =>
          this.log.warn({ err: error }, 'could not cancel a command'),
        ),
    };
  }

  async reapIdle(): Promise<string[]> {
    const removed: string[] = [];
    for (const [name, at] of this.lastUsed) {
      if (Date.now() - at < this.settings.idleTimeoutMs) continue;
      await this.cli('delete', '--force', name).catch(() => '');
      this.lastUsed.delete(name);
      removed.push(name);
    }
    return removed;
  }
}
