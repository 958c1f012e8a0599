// On a machine that cannot reach WhatsApp (this one: its servers are unreachable; the
// URL points at a closed local port so machines with internet behave the same), linking
// fails fast and clearly, and a running BabyBot still serves the local chat.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLinked } from '../../channel/whatsapp/auth-state.js';
import { baileysSocketFactory } from '../../channel/whatsapp/socket.js';
import { WhatsAppChannel } from '../../channel/whatsapp/whatsapp-channel.js';
import { createLogger } from '../../lib/logger.js';
import { Store } from '../../lib/store/store.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { linkedInstallation } from './support/adapter.js';

const root = path.resolve(import.meta.dirname, '../..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/babybot.js'), ...args], { env: { ...process.env, ...env }, cwd: os.tmpdir() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('WhatsApp unreachable', () => {
  let bot: TestBot | undefined;
  let ollama: OllamaStub | undefined;
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('`babybot whatsapp link` says WhatsApp cannot be reached, within 30 s, no stack trace, exit code 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-link-'));
    const closedPort = await freePort();
    const result = await runCli(['whatsapp', 'link'], { DATA_DIR: path.join(dir, 'data'), WHATSAPP_WS_URL: `ws://127.0.0.1:${closedPort}/ws/chat`, LOG_LEVEL: 'silent' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('WhatsApp cannot be reached from this machine');
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr + result.stdout).not.toMatch(/^\s+at /m);
    expect(result.ms).toBeLessThan(30_000);
    const store = Store.open(path.join(dir, 'data', 'babybot.db'));
    expect(isLinked(store)).toBe(false);
    store.close();
  }, 45_000);

  it('`babybot start` with WhatsApp on serves the local chat while Baileys retries in the background', async () => {
    ollama = await new OllamaStub().start();
    const dir = linkedInstallation('babybot-wa-down-');
    bot = await startTestBot({
      ollama,
      dir,
      workflowBundle: await bundleWorkflows(),
      env: { WHATSAPP_ENABLED: 'on', WHATSAPP_WS_URL: `ws://127.0.0.1:${await freePort()}/ws/chat` },
    });
    await bot.post('main', 'hello without WhatsApp');
    const replies = await bot.waitForReplies('local:main', 1);
    expect(replies[0].text).toBe('echo: user: hello without WhatsApp');
    const whatsapp = (await bot.health()).components.whatsapp;
    expect(whatsapp.ok).toBe(false);
    expect(whatsapp.detail).toMatch(/^(reconnecting|connecting)/);
  });

  it('stopping while the WebSocket handshake is still under way ends quietly (no late error crashes the process)', async () => {
    // A server that accepts the TCP connection and never answers the upgrade: the socket stays CONNECTING.
    const accepted: net.Socket[] = [];
    const silent = net.createServer((connection) => accepted.push(connection));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const dir = linkedInstallation('babybot-wa-connecting-');
      const store = Store.open(path.join(dir, 'data', 'babybot.db'));
      const { port } = silent.address() as net.AddressInfo;
      const channel = new WhatsAppChannel({ store, log: createLogger('silent'), socketFactory: baileysSocketFactory, webSocketUrl: `ws://127.0.0.1:${port}/ws/chat` });
      channel.start(async () => undefined);
      await eventually(() => accepted.length > 0, { timeoutMs: 15_000, what: 'Baileys to open its TCP connection' });
      await channel.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(uncaught).toEqual([]);
      store.close();
    } finally {
      process.off('uncaughtException', record);
      for (const connection of accepted) connection.destroy();
      silent.close();
    }
  }, 30_000);
});
