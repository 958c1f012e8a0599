// The progress bar of `babybot doctor --pull`: one line redrawn in place on a terminal,
// a line per 10 % (or a new status) in a log or CI, where \r would pile up.
import type { PullProgress } from '../activities/model-pull.js';

export function progressLine(p: PullProgress, width = 30): string {
  const gb = (bytes: number) => (bytes / 1e9).toFixed(2);
  if (p.percent === undefined) return `pulling ${p.model}: ${p.status}`;
  const filled = Math.round((Math.min(100, p.percent) / 100) * width);
  return `pulling ${p.model} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(p.percent).padStart(3)}% ${gb(p.completedBytes)}/${gb(p.totalBytes)} GB (${p.status})`;
}

export function pullProgressPrinter(out: NodeJS.WriteStream = process.stdout): { update(p: PullProgress): void; done(): void } {
  let last = '';
  let lastKey = '';
  let drawn = false;
  return {
    update(p) {
      const line = progressLine(p);
      if (out.isTTY) {
        if (line === last) return;
        out.write(`\r\x1b[2K  ${line}`);
        drawn = true;
      } else {
        const key = `${p.status}:${Math.floor((p.percent ?? 0) / 10)}`;
        if (key === lastKey) return;
        out.write(`  ${line}\n`);
        lastKey = key;
      }
      last = line;
    },
    done() {
      if (drawn) out.write('\n');
    },
  };
}
