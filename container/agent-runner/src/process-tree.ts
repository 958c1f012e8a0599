// Ending a command means ending everything it started: its process group, its session,
// and (inside a container, where nothing else runs) whatever it double-forked away so that
// it was re-parented to init. Read from /proc, so it needs no tools in the image.
import fs from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: read after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), pgrp: Number(fields[2]), session: Number(fields[3]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

function allProcesses(): ProcStat[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== undefined);
}

export interface KillOptions {
  /** Also kill orphans re-parented to pid 1: only inside the container, never on a host. */
  orphans: boolean;
  /** Processes never to kill (the runner itself, other commands still running). */
  keep: ReadonlySet<number>;
}

/** SIGKILLs the command's process group and session (and orphans, in a container) until none is left. */
export function killTree(rootPid: number, options: KillOptions): number {
  let killed = 0;
  for (let round = 0; round < 5; round++) {
    const victims = allProcesses().filter(
      (p) =>
        p.pid !== 1 &&
        p.pid !== process.pid &&
        !options.keep.has(p.pid) &&
        (p.pid === rootPid || p.pgrp === rootPid || p.session === rootPid || (options.orphans && p.ppid === 1)),
    );
    if (victims.length === 0) break;
    for (const victim of victims) {
      try {
        process.kill(victim.pid, 'SIGKILL');
        killed++;
      } catch {
        // already gone
      }
    }
  }
  return killed;
}
