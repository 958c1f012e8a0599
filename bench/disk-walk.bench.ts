// The disk guard's walk of a group's folder (container/runtime/disk-guard.ts), on a folder of
// tiny files: the asynchronous, budgeted walk now run around sandbox steps, beside the
// synchronous walk it replaced, in the same run. Figures: the walk's duration and the worst
// delay a 10 ms timer saw meanwhile (how long the worker's event loop was held up).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diskUsage } from '../lib/safe-fs.js';
import { percentile } from './stats.js';

const SIZES = [10_000, 50_000];
const RUNS = 5;

/** The walk before this change (synchronous readdir + lstat), kept here only to compare. */
function syncWalk(dir: string): number {
  let entries = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const name of fs.readdirSync(current)) {
      entries++;
      const stat = fs.lstatSync(path.join(current, name), { throwIfNoEntry: false });
      if (stat?.isDirectory()) pending.push(path.join(current, name));
    }
  }
  return entries;
}

async function measure(walk: () => unknown): Promise<{ ms: number; lag: number }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  const started = performance.now();
  await walk();
  const ms = performance.now() - started;
  worst = Math.max(worst, performance.now() - last - 10);
  clearInterval(timer);
  return { ms, lag: Math.max(0, worst) };
}

export async function run(): Promise<void> {
  for (const size of SIZES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-walk-bench-'));
    try {
      for (let d = 0; d < size / 1000; d++) {
        fs.mkdirSync(path.join(dir, `d${d}`));
        for (let f = 0; f < 999; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}`), 'x');
      }
      const before = { ms: [] as number[], lag: [] as number[] };
      const after = { ms: [] as number[], lag: [] as number[] };
      for (let i = 0; i < RUNS; i++) {
        const a = await measure(() => syncWalk(dir));
        before.ms.push(a.ms);
        before.lag.push(a.lag);
        const b = await measure(() => diskUsage(dir, size + 1));
        after.ms.push(b.ms);
        after.lag.push(b.lag);
      }
      const p50 = (xs: number[]) => percentile(xs, 50);
      console.log(
        `${size} entries: sync walk p50 ${p50(before.ms).toFixed(0)} ms, event loop held ${p50(before.lag).toFixed(0)} ms; ` +
          `async walk p50 ${p50(after.ms).toFixed(0)} ms, event loop held ${p50(after.lag).toFixed(0)} ms ` +
          `(duration ×${(p50(after.ms) / p50(before.ms)).toFixed(2)}, n=${RUNS})`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
