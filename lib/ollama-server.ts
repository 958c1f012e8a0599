// An `ollama serve` of BabyBot's own, for a newcomer with no Ollama running: started on
// loopback when OLLAMA_HOST is the default and nothing answers there (OLLAMA_EMBEDDED),
// with its models, keys and log under DATA_DIR, supervised (lib/supervised-process.ts: a
// watchdog, a stale one stopped, SIGTERM then SIGKILL, its model runners in its process group).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from './config.js';
import { ensureOllama } from './ollama-binary.js';
import { commandLineOf, environmentOf, SupervisedProcess, tailOf } from './supervised-process.js';

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 10 * 60_000;

export interface OllamaServerOptions {
  binary: string;
  /** Where it listens: a loopback http URL (OLLAMA_HOST). */
  host: string;
  dataDir: string;
  healthTimeoutMs?: number;
  log?: (line: string) => void;
}

/** Ollama's own settings a person may tune (threads, parallel requests…); never where it listens or keeps models. */
const PASSED_THROUGH = /^OLLAMA_(?!HOST$|MODELS$|ORIGINS$)\w+$/;

export class OllamaServer {
  readonly modelsDir: string;
  readonly logFile: string;
  private readonly home: string;
  private readonly process: SupervisedProcess;
  private readonly port: number;
  private stopping = false;
  /** When Ollama was last started again after dying, within the window. */
  private restarts: number[] = [];

  constructor(private readonly options: OllamaServerOptions) {
    this.home = path.join(options.dataDir, 'ollama');
    this.modelsDir = path.join(this.home, 'models');
    this.logFile = path.join(options.dataDir, 'logs', 'ollama.log');
    this.port = loopbackPort(options.host);
    this.process = new SupervisedProcess({
      name: 'Ollama',
      command: options.binary,
      logFile: this.logFile,
      recordFile: path.join(options.dataDir, 'ollama-server.json'),
      // A pid the OS reused is not ours: ours serves this installation's models folder.
      isOurs: (pid) => commandLineOf(pid).includes('serve') && this.servesOurModels(pid),
      // Its model runners inherit the server's environment.
      isOursInGroup: (pid) => this.servesOurModels(pid),
      env: this.environment(),
    });
  }

  private servesOurModels(pid: number): boolean {
    return environmentOf(pid).split('\n').includes(`OLLAMA_MODELS=${this.modelsDir}`);
  }

  /** Stops an Ollama of this data folder that a crashed BabyBot left running (before anything asks whether one answers). */
  async stopStale(): Promise<void> {
    await this.process.stopStale(this.options.log ?? (() => {}));
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.stopStale();
    if (await portTaken(this.port)) {
      throw new Error(
        `Port ${this.port} on 127.0.0.1 is in use by a program that does not answer as Ollama, so BabyBot cannot start its own Ollama there. ` +
          `Stop that program, or set OLLAMA_HOST=http://127.0.0.1:<a free port> and OLLAMA_EMBEDDED=on (or OLLAMA_HOST to a running Ollama).`,
      );
    }
    // The models and Ollama's own key are the owner's alone.
    fs.mkdirSync(this.modelsDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.home, 0o700);
    await this.serve();
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await this.process.stop(graceMs);
  }

  private async serve(): Promise<void> {
    await this.process.start(['serve']);
    try {
      await this.waitHealthy(this.options.healthTimeoutMs ?? 30_000);
    } catch (error) {
      await this.process.stop(2000);
      throw error;
    }
    void this.process.exited!.then((code) => this.restartAfter(code));
  }

  /**
   * Ollama can die under BabyBot (a model load the machine's memory cannot hold): started
   * again, a few times, so the next step finds it; steps in flight fail retryably meanwhile.
   */
  private async restartAfter(code: number | null): Promise<void> {
    if (this.stopping) return;
    const log = this.options.log ?? (() => {});
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      log(
        `Ollama exited (code ${code}) ${MAX_RESTARTS + 1} times within ${RESTART_WINDOW_MS / 60_000} minutes; not starting it again. ` +
          `Messages wait stored; see ${this.logFile}, then restart BabyBot.`,
      );
      return;
    }
    this.restarts.push(now);
    log(`Ollama exited unexpectedly (code ${code}); starting it again.\n${tailOf(this.logFile, 5)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (this.stopping) return;
    await this.serve().catch((error: unknown) => log(`Ollama could not be started again: ${(error as Error).message}`));
  }

  private environment(): NodeJS.ProcessEnv {
    const passed = Object.entries(process.env).filter(([key]) => PASSED_THROUGH.test(key));
    return {
      // Only what Ollama needs: BabyBot's own secrets (HTTP_TOKEN, …) stay in BabyBot.
      PATH: process.env.PATH,
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      ...(process.env.LANG ? { LANG: process.env.LANG } : {}),
      ...Object.fromEntries(passed),
      // Ollama keeps its key under HOME/.ollama: in the data folder, not the person's home.
      HOME: this.home,
      OLLAMA_HOST: `127.0.0.1:${this.port}`,
      OLLAMA_MODELS: this.modelsDir,
    };
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const exitCode = this.process.exitCode;
      if (exitCode !== undefined) {
        throw new Error(
          `Ollama (${this.options.binary}) stopped during start-up (exit ${exitCode}).\n${tailOf(this.logFile)}\n` +
            'Set OLLAMA_BIN to an `ollama` that runs on this machine, or start an Ollama yourself and set OLLAMA_HOST to it.',
        );
      }
      if (await ollamaAnswers(this.options.host, 1000)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `Ollama (${this.options.binary}) did not answer at ${this.options.host} within ${Math.round(timeoutMs / 1000)}s.\n${tailOf(this.logFile)}`,
    );
  }
}

/** Whether an Ollama answers at `host` (its /api/version) within the time. */
export async function ollamaAnswers(host: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/version', host), { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { version?: unknown };
    return res.ok && typeof body.version === 'string';
  } catch {
    return false;
  }
}

/** The port of a loopback http URL; throws, saying what to set, for any other. */
export function loopbackPort(host: string): number {
  const url = new URL(host);
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) {
    throw new Error(`BabyBot starts its own Ollama only on loopback: OLLAMA_HOST=${host} is not http://127.0.0.1:PORT. Set OLLAMA_EMBEDDED=off to use that Ollama as it is.`);
  }
  return Number(url.port || 80);
}

/** Whether BabyBot should run its own Ollama, given whether one answers at OLLAMA_HOST. */
export function wantsEmbeddedOllama(config: Pick<Config, 'OLLAMA_EMBEDDED' | 'OLLAMA_HOST'>, answering: boolean): boolean {
  if (answering || config.OLLAMA_EMBEDDED === 'off') return false;
  return config.OLLAMA_EMBEDDED === 'on' || new URL(config.OLLAMA_HOST).href === new URL(DEFAULT_OLLAMA_HOST).href;
}

export interface OllamaService {
  host: string;
  embedded: boolean;
  /** The embedded server's models folder and log, for messages. */
  modelsDir?: string;
  logFile?: string;
  stop(): Promise<void>;
}

/**
 * The Ollama BabyBot talks to: the one answering at OLLAMA_HOST, or its own started there.
 * Throws a message that says what to do when its own cannot start.
 */
export async function startOllama(config: Config, progress: (line: string) => void): Promise<OllamaService> {
  const host = config.OLLAMA_HOST;
  const options = { host, dataDir: config.dataDir, log: progress };
  // One left by a crash would answer as if it were someone else's Ollama: stopped first.
  if (config.OLLAMA_EMBEDDED !== 'off' && isLoopback(host)) await new OllamaServer({ ...options, binary: 'ollama' }).stopStale();
  if (!wantsEmbeddedOllama(config, await ollamaAnswers(host))) return { host, embedded: false, stop: async () => {} };
  const binary = await ensureOllama(config.OLLAMA_BIN, progress);
  const server = new OllamaServer({ ...options, binary });
  progress(`Nothing answers at ${host}: starting BabyBot's own Ollama there (${binary}, models in ${server.modelsDir}).`);
  await server.start();
  return { host, embedded: true, modelsDir: server.modelsDir, logFile: server.logFile, stop: () => server.stop() };
}

function isLoopback(host: string): boolean {
  try {
    loopbackPort(host);
    return true;
  } catch {
    return false;
  }
}

async function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}
