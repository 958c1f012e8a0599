// One test file at a time on a shared component (the cluster, the real Ollama): a directory,
// made atomically, with the holder's pid inside. A lock whose holder died, or that got no pid
// within 10 s of being made (its maker died between the two), is taken over.
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../lib/process-alive.js';

/** Resolves with the release once the lock is held; fails after `waitMs`, naming `what` was held. */
export async function holdDirLock(dir: string, what: string, waitMs: number, pollMs = 500): Promise<() => void> {
  const owner = path.join(dir, 'pid');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(owner, String(process.pid));
      const release = () => {
        if (fs.existsSync(owner) && fs.readFileSync(owner, 'utf8') === String(process.pid)) fs.rmSync(dir, { recursive: true, force: true });
      };
      process.once('exit', release); // a file whose afterAll never ran
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(fs.existsSync(owner) ? fs.readFileSync(owner, 'utf8') : 0);
    if (pid > 0 ? !isAlive(pid) : olderThan(dir, 10_000)) {
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${what} stayed locked by test process ${pid || '?'} for ${waitMs / 1000} s (${dir}).`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function olderThan(dir: string, ms: number): boolean {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  return stat !== undefined && Date.now() - stat.mtimeMs > ms;
}
