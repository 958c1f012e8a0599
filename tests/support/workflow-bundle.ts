// The workflow bundle for the fast tier, built once per change of the workflow code and
// shared by every test file of tests/workflows: bundling takes seconds of CPU, the
// tests themselves about as long, and the machine has two cores.
//
// The key is a hash of everything that goes into the bundle: workflows/ and contracts/
// (the layers lint rule lets workflow code import nothing else of the project) and the
// installed SDK (package-lock.json). Files that start at the same moment build it once:
// one holds a lock file while it builds, the others wait for its result.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from './eventually.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const INPUTS = ['workflows', 'contracts', 'package-lock.json'];
/** A lock older than this belongs to a run that died while bundling. */
const STALE_LOCK_MS = 120_000;

function filesUnder(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!fs.statSync(full).isDirectory()) return [entry];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((name) => filesUnder(path.join(entry, name)));
}

function bundleKey(): string {
  const hash = crypto.createHash('sha256');
  for (const file of INPUTS.flatMap(filesUnder)) hash.update(file).update('\0').update(fs.readFileSync(path.join(ROOT, file))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

export async function sharedWorkflowBundle(cacheDir = path.join(os.tmpdir(), 'babybot-workflow-bundles')): Promise<WorkflowBundleWithSourceMap> {
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `${bundleKey()}.json`);
  const lock = `${file}.lock`;
  const read = () => (fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap) : undefined);
  const cached = read();
  if (cached) return cached;
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (age < STALE_LOCK_MS) return eventually(read, { timeoutMs: STALE_LOCK_MS, what: `the workflow bundle another test file is building (${lock})`, intervalMs: 100 });
  }
  try {
    const bundle = await bundleWorkflows();
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, JSON.stringify(bundle));
    fs.renameSync(partial, file);
    return bundle;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
