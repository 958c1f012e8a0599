// Runs one validated request. The same code serves the runner in the container and, with
// CONTAINER_RUNTIME=none only, the host directly (then mounts map to host folders).
import type { SandboxRequest, SandboxResponse, Mount } from '../../ipc/schema.js';
import { listFiles, readFile, Refused, writeFile } from './files.js';
import { NotRegularFile } from './regular-file.js';
import { runCommand, type RunningCommands } from './run-command.js';

export interface CommandUser {
  uid: number;
  gid: number;
}

export interface ExecuteContext {
  mounts: readonly Mount[];
  running: RunningCommands;
  killOrphans: boolean;
  env: NodeJS.ProcessEnv;
  /**
   * In the container: the uid the model's commands and file tools run as, never the
   * runner's own (root with a few capabilities), so nothing the model runs can write the
   * IPC folders or touch the runner. Unset on a host (CONTAINER_RUNTIME=none).
   */
  commandUser?: CommandUser;
}

/**
 * Runs a synchronous file operation with the command user's effective ids: permissions are
 * checked as for the model's own commands, and the effective capabilities are empty while
 * it runs (the kernel clears them when the effective uid leaves 0, and restores them after).
 */
function asUser<T>(user: CommandUser | undefined, operation: () => T): T {
  if (!user) return operation();
  process.setegid!(user.gid);
  process.seteuid!(user.uid);
  try {
    return operation();
  } finally {
    process.seteuid!(0);
    process.setegid!(0);
  }
}

export async function execute(id: string, request: SandboxRequest, context: ExecuteContext): Promise<SandboxResponse> {
  try {
    return { id, ok: true, result: await dispatch(id, request, context) };
  } catch (error) {
    const refused = error instanceof Refused || error instanceof NotRegularFile;
    return { id, ok: false, kind: refused ? 'refused' : 'failed', error: (error as Error).message };
  }
}

async function dispatch(id: string, request: SandboxRequest, context: ExecuteContext): Promise<unknown> {
  switch (request.type) {
    case 'ping':
      return { pong: true };
    case 'cancel':
      return { cancelled: context.running.cancel(request.target) };
    case 'run_command': {
      const group = context.mounts.find((m) => m.path === '/workspace/group');
      if (!group) throw new Refused('This sandbox has no /workspace/group.');
      return runCommand(id, request, {
        cwd: group.real,
        running: context.running,
        killOrphans: context.killOrphans,
        env: context.env,
        user: context.commandUser,
      });
    }
    case 'read_file':
      return asUser(context.commandUser, () => readFile(context.mounts, request));
    case 'write_file':
      return asUser(context.commandUser, () => writeFile(context.mounts, request));
    case 'list_files':
      return asUser(context.commandUser, () => listFiles(context.mounts, request));
  }
}
