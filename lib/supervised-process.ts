// The one way BabyBot runs a server of its own (`ollama serve`): spawned under a watchdog so
// a SIGKILLed BabyBot orphans nothing, its pid written to a record file so the next start
// finds and stops one a crash left behind, its output in a log file, stopped with SIGTERM and
// then SIGKILL. Each server adds only its arguments and its own health check.
//
// The watchdog leads a process group of its own (spawned detached), and the server and
// everything it starts are in it: Ollama runs each model in an `ollama runner` child that
// holds the model in memory and does not die with its server. A server that dies (SIGKILL,
// a crash) or is stopped takes that group with it, so no runner is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isAlive } from './process-alive.js';

// Runs the server as a child of a tiny shell that kills it when its stdin closes: the
// pipe closes when BabyBot exits in any way, SIGKILL included, so no server is orphaned.
// (stdin is kept as fd 3: a background job's own stdin is /dev/null.) The server writes
// straight into the log file: a server whose output went through BabyBot would die of
// SIGPIPE at its next line once BabyBot is gone, and never through BabyBot's event loop.
// Once the server has exited, whatever it left in the group is ended (`kill 0`: the whole
// group; the shell itself ignores that TERM and exits with the server's status).
const WATCHDOG = `
exec 3<&0
"$@" </dev/null >&2 &
child=$!
echo "$child"
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
{ cat <&3 >/dev/null; kill -TERM "$child" 2>/dev/null; } &
watcher=$!
status=0
# wait returns early when a trapped signal arrives: wait again while the server lives. (A
# server that exits at once is still waited for, so its exit status is the watchdog's.)
while :; do wait "$child"; status=$?; kill -0 "$child" 2>/dev/null || break; done
kill "$watcher" 2>/dev/null
trap '' TERM
kill -TERM 0 2>/dev/null
exit $status
`;

export interface SupervisedOptions {
  /** For messages: "the Temporal server", "Ollama". */
  name: string;
  command: string;
  /** The server's whole environment (default: BabyBot's own). */
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Where the running server's pid is kept while it runs. */
  recordFile: string;
  /** Whether a live pid from an old record is this server (not a pid the OS reused for another program). */
  isOurs(pid: number): boolean;
  /**
   * Whether a live process of an old record's group is this server's (its runner), so a stale
   * group is ended only where it is ours. Default: isOurs.
   */
  isOursInGroup?(pid: number): boolean;
}

/** What a running server wrote about itself; older records have more fields, which are ignored. */
interface ServerRecord {
  pid: number;
  /** The BabyBot process that runs it: while it lives, the server is not stale but in use. */
  owner?: number;
  /** The watchdog's process group, which the server and its children share (records before it: none). */
  group?: number;
}

export class SupervisedProcess {
  private child?: ChildProcess;
  /** Resolves with the server's exit code once it has exited (undefined before start). */
  exited?: Promise<number | null>;
  exitCode: number | null | undefined;

  constructor(private readonly options: SupervisedOptions) {}

  /** Starts the server; resolves with its pid once it runs (not once it is healthy). */
  async start(args: string[]): Promise<number> {
    const { command, logFile, recordFile, name } = this.options;
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const logFd = fs.openSync(logFile, 'a', 0o600);
    const child = spawn('sh', ['-c', WATCHDOG, `${path.basename(command)}-watchdog`, command, ...args], {
      stdio: ['pipe', 'pipe', logFd],
      env: this.options.env ?? process.env,
      // A process group of its own (the watchdog leads it): stopped as one, and a Ctrl+C in
      // BabyBot's terminal reaches BabyBot alone, which stops the server in its own order.
      detached: true,
    });
    fs.closeSync(logFd);
    this.child = child;
    this.exitCode = undefined;
    const group = child.pid;
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        // The watchdog ended the group with TERM; what ignored that is killed.
        if (group) killGroup(group, 'SIGKILL');
        this.exitCode = code;
        resolve(code);
      }),
    );
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim().split('\n')[0])));
      child.once('error', (error) => reject(new Error(`${name} could not be started (${command}): ${error.message}`)));
      child.once('exit', (code) => reject(new Error(`${name} exited at once (code ${code}).\n${tailOf(logFile)}`)));
    });
    const record: ServerRecord = { pid, owner: process.pid, group };
    // Written whole, then renamed: `doctor`, a second BabyBot or a restart reading it meanwhile
    // sees the old record or the new one, never half a file.
    const temp = `${recordFile}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(record), { mode: 0o600 });
    fs.renameSync(temp, recordFile);
    return pid;
  }

  /** SIGTERM, then SIGKILL to the whole group after the grace period; resolves when the server has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // SIGKILL to the watchdog alone would leave the server running: the group goes.
      const timer = setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.options.recordFile, { force: true });
  }

  /** A server left by a BabyBot that crashed (its owner gone) holds the port and its files: stop it, and what it started. */
  async stopStale(log: (line: string) => void): Promise<void> {
    const { recordFile, name } = this.options;
    let record: ServerRecord;
    try {
      record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as ServerRecord;
    } catch {
      return;
    }
    // A server whose BabyBot still runs (a `babybot model import` or `doctor` beside it) is in use, not stale.
    if (record.owner && record.owner !== process.pid && isAlive(record.owner)) return;
    if (Number.isInteger(record.pid) && record.pid > 1 && isAlive(record.pid) && this.options.isOurs(record.pid)) {
      log(`Stopping ${name} left running by an earlier BabyBot (pid ${record.pid}).`);
      process.kill(record.pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (isAlive(record.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (isAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
    }
    // Its runners outlive a server that died without stopping them: each of ours in its group.
    if (Number.isInteger(record.group) && record.group! > 1) {
      const ours = this.options.isOursInGroup ?? this.options.isOurs;
      const left = groupMembers(record.group!).filter((pid) => pid !== process.pid && ours(pid));
      if (left.length) log(`Stopping what ${name} of an earlier BabyBot left running (pid ${left.join(', ')}).`);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    fs.rmSync(recordFile, { force: true });
  }
}

/** Signals every process of a group; one that is gone already is no error. */
function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // the group is empty
  }
}

/** The live processes of a process group (Linux: /proc; elsewhere none are found). */
export function groupMembers(group: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    // /proc/PID/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
    const stat = readProc(pid, 'stat');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]) === group;
  });
}

/** A process's command line, or '' when it cannot be read. */
export function commandLineOf(pid: number): string {
  return readProc(pid, 'cmdline').replaceAll('\0', ' ');
}

/** A process's environment as NAME=VALUE lines, or '' when it cannot be read (another user's). */
export function environmentOf(pid: number): string {
  return readProc(pid, 'environ').replaceAll('\0', '\n');
}

function readProc(pid: number, what: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${what}`, 'utf8');
  } catch {
    return '';
  }
}

export function tailOf(file: string, lines = 15): string {
  try {
    return `Last lines of ${file}:\n` + fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Rejects, saying which setting to change, when another program listens on the port. */
export async function assertPortFree(port: number, variable: string, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () =>
      reject(new Error(`Port ${port} on ${host} is already in use by another program. Stop it, or set ${variable} to a free port.`)),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
