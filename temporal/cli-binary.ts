// Finds the `temporal` CLI that serves the embedded dev server: TEMPORAL_CLI, then the
// PATH, then the project's cache; builds the pinned release into the cache with Go when
// none exists (the only way to get it on machines that reach package registries only).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheBaseDir, isExecutable, onPath } from '../lib/executables.js';

/** The newest CLI release that `go install` accepts (later ones use a go.mod replace directive). */
export const PINNED_CLI_VERSION = 'v1.5.1';
export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function cacheBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheBaseDir(env), 'bin');
}

export class TemporalCliMissingError extends Error {
  constructor(detail: string) {
    super(
      `No Temporal CLI to run the embedded server: ${detail}\n` +
        'Do one of these:\n' +
        `  - install Go (https://go.dev/dl) and start again: BabyBot builds ${CLI_MODULE}@${PINNED_CLI_VERSION} into ${cacheBinDir()}\n` +
        '  - install the Temporal CLI (brew install temporal, or a release from temporal.io) and put it on the PATH or in TEMPORAL_CLI\n' +
        '  - or point TEMPORAL_ADDRESS at a running Temporal server',
    );
    this.name = 'TemporalCliMissingError';
  }
}

/** Where an existing CLI is, without building anything; undefined when there is none. */
export function findTemporalCli(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit) {
    if (!isExecutable(explicit)) throw new TemporalCliMissingError(`TEMPORAL_CLI=${explicit} is not an executable file.`);
    return explicit;
  }
  const cached = path.join(cacheBinDir(env), 'temporal');
  return onPath('temporal', env) ?? (isExecutable(cached) ? cached : undefined);
}

/**
 * Returns a CLI, building the pinned one with Go when none is found. The first build takes
 * minutes; progress (the packages being compiled) goes to `progress`.
 */
export async function ensureTemporalCli(
  explicit: string | undefined,
  progress: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const found = findTemporalCli(explicit, env);
  if (found) return found;
  const go = onPath('go', env);
  if (!go) throw new TemporalCliMissingError('none at TEMPORAL_CLI, on the PATH or in the cache, and Go is not installed to build one.');
  const binDir = cacheBinDir(env);
  fs.mkdirSync(binDir, { recursive: true });
  progress(`Building the Temporal CLI ${PINNED_CLI_VERSION} with Go into ${binDir} (first time only, a few minutes)…`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', '-v', `${CLI_MODULE}@${PINNED_CLI_VERSION}`], {
      env: { ...env, GOBIN: binDir, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let built = 0;
    let tail: string[] = [];
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        tail = [...tail.slice(-19), line];
        if (!line.startsWith('go: downloading')) built++;
        if (built % 100 === 0 || line.startsWith(CLI_MODULE.split('/cmd')[0])) {
          progress(`  …${built} packages compiled (${Math.round((Date.now() - started) / 1000)}s): ${line}`);
        }
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new TemporalCliMissingError(`building it with Go failed (exit ${code}):\n${tail.join('\n')}`)),
    );
  });
  const binary = path.join(binDir, 'temporal');
  progress(`Built ${binary} in ${Math.round((Date.now() - started) / 1000)}s.`);
  return binary;
}

export function cliVersion(binary: string): string | undefined {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}
