// The newcomer's quickstart, timed as a person meets it: `babybot start` on a fresh data
// folder with no Ollama running (the embedded Temporal server and BabyBot's own Ollama),
// `babybot model import` of the real Qwen2.5-Coder 0.5B GGUF, the first web-chat message's
// answer (a cold model load), a second answer (warm), and a start again with the model
// there. One run of each: the cold figures are one-offs, and a real answer takes a minute
// on a shared 2-core machine. Needs the Ollama build and the GGUF (scripts/components/ollama.sh).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheBaseDir, onPath } from '../lib/executables.js';
import { findTemporalCli } from '../temporal/cli-binary.js';
import { ownerAuth, spawnBabyBot } from '../tests/support/babybot-process.js';
import { freePort } from '../tests/support/ports.js';

const BIN = path.resolve(import.meta.dirname, '../bin/babybot.js');
const ANSWER_WAIT_MS = 15 * 60_000;

export async function run(): Promise<void> {
  const ollamaBin = process.env.BABYBOT_OLLAMA_BIN ?? onPath('ollama') ?? path.join(cacheBaseDir(), 'ollama-v0.17.4', 'ollama');
  const gguf = process.env.BABYBOT_QWEN05_GGUF ?? path.join(cacheBaseDir(), 'models', 'qwen2.5-coder-0.5b-instruct-q4_k_m.gguf');
  if (!fs.existsSync(ollamaBin) || !fs.existsSync(gguf)) {
    console.log(`skipped: needs ${ollamaBin} and ${gguf} (scripts/components/ollama.sh).`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-bench-quickstart-'));
  const env: Record<string, string> = {
    DATA_DIR: path.join(dir, 'data'),
    GROUPS_DIR: path.join(dir, 'groups'),
    HTTP_PORT: String(await freePort()),
    TEMPORAL_ADDRESS: '',
    TEMPORAL_CLI: findTemporalCli(process.env.TEMPORAL_CLI) ?? '',
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    // Its own port: the default 11434 may be someone else's on a shared machine.
    OLLAMA_HOST: `http://127.0.0.1:${await freePort()}`,
    OLLAMA_EMBEDDED: 'on',
    OLLAMA_BIN: ollamaBin,
    OLLAMA_MODEL: '',
    WHATSAPP_ENABLED: 'off',
    LOG_LEVEL: 'warn',
  };
  const http = `http://127.0.0.1:${env.HTTP_PORT}`;
  const replies = async () => {
    const res = await fetch(`${http}/api/messages?chat=local:main`, { headers: ownerAuth });
    return ((await res.json()) as { messages: { fromAssistant: boolean; text: string }[] }).messages.filter((m) => m.fromAssistant);
  };
  const answerTime = async (text: string, id: string) => {
    const before = (await replies()).length;
    const began = performance.now();
    await fetch(`${http}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...ownerAuth }, body: JSON.stringify({ chat: 'main', text, id }) });
    // Bounded: a bench that never ends tells nothing (the 0.5B answered in 51-440 s on a loaded 2-core machine).
    while (performance.now() - began < ANSWER_WAIT_MS) {
      const now = await replies();
      if (now.length > before) return { ms: performance.now() - began, text: now.at(-1)!.text };
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`No answer to "${text}" within ${ANSWER_WAIT_MS / 60_000} minutes: see ${env.DATA_DIR}/logs/ollama.log and the turn in the Temporal Web UI.`);
  };

  let began = performance.now();
  let bot = spawnBabyBot(['start'], env);
  await bot.waitFor(/BabyBot is running/, 600_000);
  const coldStart = performance.now() - began;

  began = performance.now();
  const imported = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'model', 'import', gguf], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code, output }));
  });
  const importMs = performance.now() - began;
  if (imported.code !== 0) throw new Error(`the import failed:\n${imported.output}`);

  const first = await answerTime('Hello! In one short sentence: what are you?', 'bench-1');
  const second = await answerTime('Thanks. And what is 2 + 3?', 'bench-2');
  await bot.kill('SIGTERM');

  began = performance.now();
  bot = spawnBabyBot(['start'], env);
  await bot.waitFor(/BabyBot is running/, 600_000);
  const warmStart = performance.now() - began;
  await bot.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`GGUF ${path.basename(gguf)} (${(fs.statSync(gguf).size / 1e6).toFixed(0)} MB), Ollama ${ollamaBin}, load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(`| step | time |\n|---|---|`);
  console.log(`| start to ready, fresh data folder (Temporal + BabyBot's own Ollama, model pull fails offline) | ${s(coldStart)} |`);
  console.log(`| \`babybot model import\` (sha256, copy into Ollama, create, capability check) | ${s(importMs)} |`);
  console.log(`| first answer (cold model load) | ${s(first.ms)} |`);
  console.log(`| second answer (model loaded) | ${s(second.ms)} |`);
  console.log(`| start to ready again (model there) | ${s(warmStart)} |`);
  console.log(`first answer: ${JSON.stringify(first.text.slice(0, 160))}`);
  console.log(`second answer: ${JSON.stringify(second.text.slice(0, 160))}`);
}
