// The build id every worker reports to Temporal: BabyBot's version and the git commit it
// runs, e.g. `babybot@0.1.0+1a2b3c4d5e6f`. The Web UI shows it on each workflow task and
// in a task queue's pollers, so a failed run can be traced to the exact code that ran it,
// also when several worker processes of different builds poll the same queues.
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_DIR as ROOT } from '../lib/package-paths.js';

/** The commit: the file the Docker build writes (an image has no .git), else the checkout's HEAD. */
function commitOf(root: string): string | undefined {
  const stamped = path.join(root, '.build-commit');
  if (fs.existsSync(stamped)) return fs.readFileSync(stamped, 'utf8').trim() || undefined;
  const git = path.join(root, '.git');
  try {
    const head = fs.readFileSync(path.join(git, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice('ref: '.length);
    const loose = path.join(git, ref);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim();
    // Refs packed by `git gc` live in one file, "<sha> <ref>" per line.
    const packed = fs.readFileSync(path.join(git, 'packed-refs'), 'utf8');
    return packed.split('\n').find((line) => line.endsWith(` ${ref}`))?.split(' ')[0];
  } catch {
    return undefined;
  }
}

export function buildId(root = ROOT): string {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const commit = commitOf(root);
  return `babybot@${version}+${commit ? commit.slice(0, 12) : 'unknown'}`;
}
