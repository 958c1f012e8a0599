// run_command: a shell command in the group's folder, with a time limit that ends the
// whole process tree and output kept up to a limit (the rest counted, so the model is
// told how much it did not see). Nothing it started outlives the step.
import { spawn } from 'node:child_process';
import type { z } from 'zod';
import type { CommandResult, RunCommandRequest } from '../../ipc/schema.js';
import { killTree } from './process-tree.js';

/** Commands running now, by request id, so a cancel request can end one. */
export class RunningCommands {
  private readonly byId = new Map<string, { pid: number; cancel: () => void }>();

  add(id: string, pid: number, cancel: () => void): void {
    this.byId.set(id, { pid, cancel });
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  cancel(id: string): boolean {
    const entry = this.byId.get(id);
    entry?.cancel();
    return entry !== undefined;
  }

  pids(except: number): Set<number> {
    return new Set([...this.byId.values()].map((e) => e.pid).filter((pid) => pid !== except));
  }
}

export interface CommandContext {
  cwd: string;
  running: RunningCommands;
  /** Inside the container: orphans of the command are ours to kill too. */
  killOrphans: boolean;
  env: NodeJS.ProcessEnv;
  /** Run as this uid:gid, with no supplementary groups and an empty bounding set (setpriv). */
  user?: { uid: number; gid: number };
}

/** The command line: bash, through setpriv when it must run as another user with no capabilities left. */
function commandLine(command: string, user: CommandContext['user']): [string, string[]] {
  if (!user) return ['/bin/bash', ['-c', command]];
  return [
    'setpriv',
    [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--',
      '/bin/bash',
      '-c',
      command,
    ],
  ];
}

class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  cut = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room > 0) {
      const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(piece);
      this.kept += piece.length;
    }
    this.cut += Math.max(0, chunk.length - Math.max(room, 0));
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function runCommand(
  id: string,
  request: z.infer<typeof RunCommandRequest>,
  context: CommandContext,
): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // detached: the command leads its own session and process group, so ending the step
    // can find everything it started.
    const [file, args] = commandLine(request.command, context.user);
    const child = spawn(file, args, {
      cwd: context.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: context.env,
    });
    const stdout = new CappedOutput(request.outputLimit);
    const stderr = new CappedOutput(request.outputLimit);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    let cancelled = false;
    const pid = child.pid;
    const end = () => {
      if (pid !== undefined) killTree(pid, { orphans: context.killOrphans, keep: context.running.pids(pid) });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      end();
    }, request.timeoutMs);
    if (pid !== undefined) {
      context.running.add(id, pid, () => {
        cancelled = true;
        end();
      });
    }
    let settled = false;
    const finish = (exitCode: number | null, signal: string | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      context.running.delete(id);
      // Whatever the command left running in the background ends with it.
      end();
      resolve({
        exitCode,
        signal,
        timedOut,
        cancelled,
        stdout: stdout.text(),
        stderr: spawnError ? `${stderr.text()}${spawnError.message}` : stderr.text(),
        stdoutCut: stdout.cut,
        stderrCut: stderr.cut,
        durationMs: Date.now() - started,
      });
    };
    child.on('error', (error) => finish(null, null, error));
    // 'close' waits for the pipes: the tree is killed first on exit, so a background child
    // holding them open cannot keep the step waiting.
    child.on('exit', () => end());
    child.on('close', (code, signal) => finish(code, signal));
  });
}
