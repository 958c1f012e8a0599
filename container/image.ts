// Builds the agent image: compiles the runner (and its IPC schema) for Node 18 with the
// project's TypeScript, puts the zod it validates with beside it, and builds
// Dockerfile.agent through the engine. A label holds the hash of every input, so an
// unchanged image is not rebuilt.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Docker from 'dockerode';
import { CONTAINER_DIR } from '../lib/package-paths.js';
import { LABELS, RUNNER_PROTOCOL } from './runtime/group-spec.js';

export const INPUTS_LABEL = 'babybot.inputs';
export const DEFAULT_BASE_IMAGE = 'node:20-slim';

const RUNNER_DIR = path.join(CONTAINER_DIR, 'agent-runner');
const DIST_DIR = path.join(RUNNER_DIR, 'dist');
const require = createRequire(import.meta.url);

export interface BuildOptions {
  docker: Docker;
  image: string;
  baseImage: string;
  force?: boolean;
  write: (line: string) => void;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

function zodDir(): string {
  return path.dirname(require.resolve('zod/package.json'));
}

/** Hash of everything the image is made of: the Dockerfile, the runner's sources, the schema, zod, the base image. */
export function inputsHash(baseImageId: string): string {
  const hash = crypto.createHash('sha256').update(baseImageId).update(RUNNER_PROTOCOL);
  const files = [
    path.join(CONTAINER_DIR, 'Dockerfile.agent'),
    path.join(RUNNER_DIR, 'tsconfig.json'),
    path.join(CONTAINER_DIR, 'ipc', 'schema.ts'),
    ...filesUnder(path.join(RUNNER_DIR, 'src')),
  ];
  for (const file of files) hash.update(path.relative(CONTAINER_DIR, file)).update(fs.readFileSync(file));
  hash.update(fs.readFileSync(path.join(zodDir(), 'package.json')));
  return hash.digest('hex').slice(0, 24);
}

/** Compiles the runner into dist/ with zod beside it, ready for the Dockerfile's COPY. */
export function compileRunner(): void {
  fs.rmSync(DIST_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(RUNNER_DIR, 'tsconfig.json')], { stdio: 'inherit' });
  fs.writeFileSync(path.join(DIST_DIR, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  // zod's compiled files only: the runner needs nothing else at run time.
  fs.cpSync(zodDir(), path.join(DIST_DIR, 'node_modules', 'zod'), {
    recursive: true,
    filter: (source) => !/[/\\]src([/\\]|$)/.test(path.relative(zodDir(), source)) && !/\.d\.c?ts$/.test(source),
  });
}

/** Builds the image unless one with the same inputs exists; returns whether it built. */
export async function buildAgentImage(options: BuildOptions): Promise<{ built: boolean; hash: string }> {
  const { docker, image, baseImage, write } = options;
  const base = await docker
    .getImage(baseImage)
    .inspect()
    .catch(() => undefined);
  // A missing base is pulled by the build (node:20-slim on a machine with a registry).
  const hash = inputsHash(base?.Id ?? baseImage);
  const existing = await docker
    .getImage(image)
    .inspect()
    .catch(() => undefined);
  if (!options.force && existing?.Config.Labels?.[INPUTS_LABEL] === hash) {
    write(`${image} is up to date (inputs ${hash}).`);
    return { built: false, hash };
  }
  write('compiling the agent runner for Node 18…');
  compileRunner();
  write(`building ${image} from ${baseImage}…`);
  const stream = await docker.buildImage(
    { context: CONTAINER_DIR, src: ['Dockerfile.agent', 'agent-runner/dist'] },
    { t: image, dockerfile: 'Dockerfile.agent', buildargs: { BASE_IMAGE: baseImage }, labels: { [INPUTS_LABEL]: hash, [LABELS.runner]: RUNNER_PROTOCOL }, rm: true, forcerm: true },
  );
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: { error?: string }[]) => {
        const failed = error?.message ?? events.find((e) => e.error)?.error;
        if (failed) reject(new Error(`Building ${image} failed: ${failed}`));
        else resolve();
      },
      (event: { stream?: string; error?: string }) => {
        const line = (event.stream ?? event.error ?? '').trimEnd();
        if (line) write(`  ${line}`);
      },
    );
  });
  write(`built ${image} (inputs ${hash}).`);
  return { built: true, hash };
}
