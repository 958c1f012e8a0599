// CONTAINER_RUNTIME=none: steps run directly on this machine, as BabyBot's own user, with
// no isolation at all. For development only; chosen only when a person sets it, and
// announced as unsafe at every start. The paths the model sees are still /workspace/…,
// mapped to the host folders, so tools behave the same.
import crypto from 'node:crypto';
import { execute } from '../agent-runner/src/execute.js';
import { RunningCommands } from '../agent-runner/src/run-command.js';
import { limitsFor, mountsFor, prepareHostFolders, type SandboxSettings } from './group-spec.js';
import type { Sandbox, SandboxGroup, SandboxRuntime } from './types.js';

export const UNSAFE_BANNER =
  'UNSAFE: CONTAINER_RUNTIME=none. The assistant runs commands directly on this machine, as this user, ' +
  'with no sandbox. Use it for development only; set CONTAINER_RUNTIME=docker (or auto) for real use.';

export class NoContainerRuntime implements SandboxRuntime {
  readonly name = 'none';
  private readonly running = new RunningCommands();

  constructor(private readonly settings: SandboxSettings) {}

  async describe(): Promise<string> {
    return 'none: steps run on this machine with no sandbox (UNSAFE, development only)';
  }

  async sandboxFor(group: SandboxGroup): Promise<Sandbox> {
    limitsFor(this.settings, group); // invalid settings fail the same way as with a container
    prepareHostFolders(this.settings, group);
    const context = {
      mounts: mountsFor(this.settings, group),
      running: this.running,
      // On a host, a process re-parented to init is someone else's: never touch it.
      killOrphans: false,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8' },
    };
    return {
      // Commands run as children of this process: another process is another instance.
      instance: `host:${process.pid}`,
      call: async (request, options = {}) => {
        const id = options.requestId ?? crypto.randomUUID();
        const cancel = () => this.running.cancel(id);
        options.signal?.addEventListener('abort', cancel, { once: true });
        try {
          return await execute(id, request, context);
        } finally {
          options.signal?.removeEventListener('abort', cancel);
        }
      },
    };
  }

  async reapIdle(): Promise<string[]> {
    return [];
  }
}
