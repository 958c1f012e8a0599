import { pino, type Logger } from 'pino';

export type { Logger };

/** One logger per process, created at the entry point and passed down. */
export function createLogger(level: string, name = 'babybot'): Logger {
  return pino({
    name,
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
