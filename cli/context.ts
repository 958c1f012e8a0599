// What every command starts from: the configuration (with .env) and a logger. A bad
// configuration ends the command with the list of problems, never a stack trace.
import path from 'node:path';
import { ConfigError, loadConfig, readDotEnv, type Config } from '../lib/config.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { watchStarter } from './starter-watch.js';

export interface CommandContext {
  config: Config;
  log: Logger;
}

export function commandContext(): CommandContext {
  readDotEnv(path.resolve('.env'));
  try {
    const config = loadConfig();
    return { config, log: createLogger(config.LOG_LEVEL) };
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
}

/** Ends the command with a message for a person (exit code 1 unless said otherwise). */
export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * Stops gracefully on SIGINT/SIGTERM, or when the process that started it exits (the
 * process orchestrates its own shutdown: workers first, then what they use); a second
 * signal stops at once.
 */
export function stopOnSignals(what: string, stop: () => Promise<void>): { stopping: () => boolean } {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      process.stderr.write('Stopping at once.\n');
      process.exit(130);
    }
    stopping = true;
    const begun = Date.now();
    process.stdout.write(`${signal}: stopping ${what}…\n`);
    await stop();
    process.stdout.write(`Stopped in ${((Date.now() - begun) / 1000).toFixed(1)}s.\n`);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Stopping `npm start` stops npm, not this process: stop with it.
  watchStarter((who) => void shutdown(`${who[0].toUpperCase()}${who.slice(1)}`));
  return { stopping: () => stopping };
}
