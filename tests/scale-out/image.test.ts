// BabyBot's own image builds from the Dockerfile, against the real Docker engine of the
// test environment (DOCKER_HOST, from scripts/components/docker.sh) and the locally built
// Node base (scripts/components/node-base-image.sh), and runs as a non-root user with its
// native module (better-sqlite3) built for the image's Node.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimNamespace, temporalAddress } from '../support/temporal.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BASE_IMAGE = 'babybot-node-base:bookworm';
const IMAGE = 'babybot:scale-out-test';
const WORKER = `babybot-scale-out-worker-${process.pid}`;
const run = promisify(execFile);

async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${e.message}\n${(e.stdout ?? '').slice(-4000)}\n${(e.stderr ?? '').slice(-4000)}`);
  }
}

describe('the BabyBot image', () => {
  let commit: string;

  beforeAll(async () => {
    if (!process.env.DOCKER_HOST) {
      throw new Error('DOCKER_HOST is not set: start the test engine with scripts/components/docker.sh (npm run test:all does) and source .cache/test-env.sh.');
    }
    await docker(['version', '--format', '{{.Server.Version}}']).catch((error: Error) => {
      throw new Error(`No Docker engine answers at DOCKER_HOST=${process.env.DOCKER_HOST}: ${error.message}`);
    });
    await docker(['image', 'inspect', BASE_IMAGE]).catch(() => {
      throw new Error(`The base image ${BASE_IMAGE} is missing: build it with scripts/components/node-base-image.sh.`);
    });
    commit = (await run('git', ['rev-parse', 'HEAD'], { cwd: ROOT })).stdout.trim();
  });
  afterAll(async () => {
    await docker(['rm', '--force', WORKER]).catch(() => {});
  });

  it('builds from the local Node base (multi-stage, dependencies installed in the image)', async () => {
    const started = Date.now();
    // The engine of the tests has no bridge network: the build's npm and apt use the host's.
    await docker(
      ['build', '--network', 'host', '--build-arg', `BASE_IMAGE=${BASE_IMAGE}`, '--build-arg', `BUILD_COMMIT=${commit}`, '--tag', IMAGE, '.'],
      15 * 60_000,
    );
    console.log(`BabyBot image built in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }, 16 * 60_000);

  it('runs `babybot --help` as a non-root user', async () => {
    const help = await docker(['run', '--rm', '--network', 'none', IMAGE, '--help']);
    expect(help).toMatch(/start/);
    expect(help).toMatch(/worker/);
    const uid = await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'id', IMAGE, '-u']);
    expect(uid.trim()).toBe('1000');
  }, 120_000);

  it('loads better-sqlite3 built for its own Node, and knows its commit for the build id', async () => {
    const check =
      "const db = require('better-sqlite3')(':memory:'); console.log(db.prepare('select 41 + 1 as x').get().x, require('fs').readFileSync('.build-commit', 'utf8').trim())";
    const out = await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'node', IMAGE, '-e', check]);
    expect(out.trim()).toBe(`42 ${commit}`);
  }, 120_000);

  it('runs `babybot worker` against a Temporal server and stops it gracefully on SIGTERM', async () => {
    // Host networking: the test's Temporal server listens on the host's loopback.
    await docker([
      'run', '--detach', '--name', WORKER, '--network', 'host',
      '--env', `TEMPORAL_ADDRESS=${temporalAddress()}`, '--env', `TEMPORAL_NAMESPACE=${claimNamespace()}`,
      '--env', 'CONTAINER_RUNTIME=none', '--env', 'LOG_LEVEL=warn',
      IMAGE, 'worker', '--queues', 'workflows,model',
    ]);
    const logs = () => docker(['logs', WORKER]).catch((error: Error) => error.message);
    const deadline = Date.now() + 90_000;
    while (!/BabyBot worker is running/.test(await logs())) {
      if (Date.now() > deadline) throw new Error(`The worker in the image did not start:\n${await logs()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await logs()).toContain(`babybot@0.1.0+${commit.slice(0, 12)}`);
    await docker(['stop', '--time', '30', WORKER], 60_000);
    expect(await logs()).toMatch(/SIGTERM: stopping the worker…\s+Stopped in [\d.]+s\./);
    expect((await docker(['inspect', '--format', '{{.State.ExitCode}}', WORKER])).trim()).toBe('0');
  }, 180_000);
});
