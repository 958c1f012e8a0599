// What every benchmark starts from: a real Temporal dev server of its own (headless, in a
// temp folder), the scripted model, and the environment a BabyBot there would read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTemporalCli } from '../temporal/cli-binary.js';
import { DevServer } from '../temporal/dev-server.js';
import { OllamaStub } from '../tests/support/ollama-stub.js';
import { freePort } from '../tests/support/ports.js';
import type { BabyBot } from '../workers/composition-root.js';

export interface BenchEnvironment {
  dir: string;
  server: DevServer;
  ollama: OllamaStub;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startBenchEnvironment(name: string, env: Record<string, string> = {}): Promise<BenchEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `babybot-bench-${name}-`));
  const server = new DevServer({
    cli: await ensureTemporalCli(process.env.TEMPORAL_CLI, console.log),
    dataDir: path.join(dir, 'temporal'),
    port: await freePort(),
    uiPort: await freePort(),
    namespaces: ['default'],
    headless: true,
  });
  await server.start();
  const ollama = await new OllamaStub().start();
  return {
    dir,
    server,
    ollama,
    env: {
      DATA_DIR: path.join(dir, 'data'),
      GROUPS_DIR: path.join(dir, 'groups'),
      HTTP_PORT: '0',
      TEMPORAL_ADDRESS: server.address,
      OLLAMA_HOST: ollama.url,
      CONTAINER_RUNTIME: 'none',
      WHATSAPP_ENABLED: 'off',
      LOG_LEVEL: 'silent',
      ...env,
    },
    async close() {
      await ollama.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Posts a message to a local chat and resolves with the time until its reply is stored. */
export async function timeTurn(bot: BabyBot, chat: string, text: string, id?: string): Promise<number> {
  const replied = new Promise<number>((resolve) => {
    const off = bot.store.onMessage((m) => {
      if (m.fromAssistant && m.chat === `local:${chat}`) {
        off();
        resolve(performance.now());
      }
    });
  });
  const began = performance.now();
  await postMessage(bot, chat, text, id);
  return (await replied) - began;
}

/** Posts a message to a local chat the way the web chat does, with the owner's token. */
export async function postMessage(bot: BabyBot, chat: string, text: string, id?: string): Promise<void> {
  const res = await fetch(`${bot.httpUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.httpToken}` },
    body: JSON.stringify({ chat, text, ...(id ? { id } : {}) }),
  });
  if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
}
