// Runs `babybot` as a real child process, the way a person or a service manager does.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eventually } from './eventually.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/babybot.js');

export interface BabyBotProcess {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The owner's token the spawned BabyBots use (HTTP_TOKEN), and the header that carries it. */
export const TEST_HTTP_TOKEN = 'test-owner-token-of-spawned-babybots';
export const ownerAuth = { authorization: `Bearer ${TEST_HTTP_TOKEN}` };

export function spawnBabyBot(args: string[], env: Record<string, string>): BabyBotProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, HTTP_TOKEN: TEST_HTTP_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      eventually(
        () => {
          const match = output.match(pattern);
          if (!match && child.exitCode !== null) throw new Error(`babybot exited (${child.exitCode}) before printing ${pattern}:\n${output}`);
          return match;
        },
        { timeoutMs, what: () => `babybot to print ${pattern}:\n${output}` },
      ),
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export { isAlive } from '../../lib/process-alive.js';
