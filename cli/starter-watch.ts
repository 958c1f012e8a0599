// BabyBot stops with whatever started it. A supervisor that stops `npm start` with SIGTERM
// (`kill <pid>`, a process manager) reaches npm, which ends its shell and exits, but never
// signals BabyBot: it would run on, orphaned, with its embedded Temporal server. So the
// process watches its parent (and, under npm, the npm process above the script's shell)
// and stops as if signalled when one of them is gone. systemd and launchd start BabyBot
// directly (its parent is pid 1), so nothing is watched there.
import { execFileSync } from 'node:child_process';

const POLL_MS = 1000;

/** The parent of a process, or undefined when it cannot be read (gone, or no `ps`). */
function parentOf(pid: number): number | undefined {
  try {
    const out = execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const ppid = Number.parseInt(out.trim(), 10);
    return Number.isFinite(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Calls onGone (once) when the process that started this one has exited; returns the stop. */
export function watchStarter(onGone: (who: string) => void): () => void {
  const parent = process.ppid;
  if (parent <= 1) return () => {};
  // Under `npm start`, npm runs the script through `sh -c`: the starter is npm, one level up.
  const npm = process.env.npm_lifecycle_event ? parentOf(parent) : undefined;
  const watched = npm && npm > 1 ? npm : undefined;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone(`its parent process (pid ${parent}) exited`);
    } else if (watched !== undefined && !alive(watched)) {
      clearInterval(timer);
      onGone(`npm (pid ${watched}), which started it, exited`);
    }
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
