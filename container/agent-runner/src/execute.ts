// Runs one validated request. The same code serves the runner in the container and, with
// CONTAINER_RUNTIME=none only, the host directly (then mounts map to host folders).
import type { SandboxRequest, SandboxResponse, Mount } from '../../ipc/schema.js';
import { listFiles, readFile, Refused, writeFile } from './files.js';
import { runCommand, type RunningCommands } from './run-command.js';

export interface ExecuteContext {
  mounts: readonly Mount[];
  running: RunningCommands;
  killOrphans: boolean;
  env: NodeJS.ProcessEnv;
}

export async function execute(id: string, request: SandboxRequest, context: ExecuteContext): Promise<SandboxResponse> {
  try {
    return { id, ok: true, result: await dispatch(id, request, context) };
  } catch (error) {
    const refused = error instanceof Refused;
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
      return runCommand(id, request, { cwd: group.real, running: context.running, killOrphans: context.killOrphans, env: context.env });
    }
    case 'read_file':
      return readFile(context.mounts, request);
    case 'write_file':
      return writeFile(context.mounts, request);
    case 'list_files':
      return listFiles(context.mounts, request);
  }
}
