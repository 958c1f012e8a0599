// One Temporal dev server for the whole run, started with a pool of namespaces: each test
// file claims a fresh one, so workflow ids such as `group:main` never collide across files.
// The server is the real one (the pinned CLI); nothing here is allowed to skip.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureTemporalCli } from '../../temporal/cli-binary.js';
import { DevServer } from '../../temporal/dev-server.js';
import { freePort } from './ports.js';

export const NAMESPACE_COUNT = 160;

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    namespaceDir: string;
    temporalCli: string;
  }
}

export default async function setup(project: TestProject) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-tests-'));
  const cli = await ensureTemporalCli(process.env.TEMPORAL_CLI, (line) => console.log(line));
  const namespaces = Array.from({ length: NAMESPACE_COUNT }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  const server = new DevServer({
    cli,
    dataDir: path.join(root, 'temporal'),
    port: await freePort(),
    uiPort: await freePort(),
    namespaces,
    headless: true,
  });
  await server.start();
  const namespaceDir = path.join(root, 'namespaces');
  fs.mkdirSync(namespaceDir);
  for (const ns of namespaces) fs.writeFileSync(path.join(namespaceDir, `${ns}.free`), '');
  project.provide('temporalAddress', server.address);
  project.provide('namespaceDir', namespaceDir);
  project.provide('temporalCli', cli);
  return async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
}
