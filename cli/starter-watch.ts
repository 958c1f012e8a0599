// BabyBot stops with whatever started it. A supervisor that stops `npm start` with SIGTERM
// (`kill <pid>`, a process manager) reaches npm, which ends its shell and exits, but never
// signals BabyBot: it would run on, orphaned, with its embedded Temporal server. So the
// process watches its parent (and, under npm, the npm process above the script's shell)
// and stops as if signalled when one of them is gone. systemd and launchd start BabyBot
// directly (its parent is pid 1), so nothing is watched there.
import { execFileSync } from 'node:child_process';
import { isAlive } from '../lib/process-alive.js';

const POLL_MS = 1000;

/** A field of `ps` for a process (`ppid`, `comm`), or undefined when it cannot be read (gone, or no `ps`). */
function psField(pid: number, field: string): string | undefined {
  try {
    return execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** npm runs a script as `sh -c …`: then the process that started BabyBot is the shell's parent. */
function npmAbove(parent: number): number | undefined {
  if (!process.env.npm_lifecycle_event) return undefined;
  const name = psField(parent, 'comm') ?? '';
  if (!/^(sh|bash|dash|zsh)$/.test(name.split('/').at(-1) ?? '')) return undefined;
  const npm = Number.parseInt(psField(parent, 'ppid') ?? '', 10);
  return Number.isFinite(npm) && npm > 1 ? npm : undefined;
}

/** Calls onGone (once) when the process that started this one has exited; returns the stop. */
export function watchStarter(onGone: (who: string) => void): () => void {
  const parent = process.ppid;
  if (parent <= 1) return () => {};
  const watched = npmAbove(parent);
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone(`its parent process (pid ${parent}) exited`);
    } else if (watched !== undefined && !isAlive(watched)) {
      clearInterval(timer);
      onGone(`npm (pid ${watched}), which started it, exited`);
    }
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
