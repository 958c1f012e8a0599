// What every command starts from: the configuration (with .env) and a logger. A bad
// configuration ends the command with the list of problems, never a stack trace.
import path from 'node:path';
import { ConfigError, loadConfig, readDotEnv, type Config } from '../lib/config.js';
import { createLogger, type Logger } from '../lib/logger.js';

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
