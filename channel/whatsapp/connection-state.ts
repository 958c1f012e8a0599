// How the WhatsApp connection moves between states, kept apart from the socket so each
// disconnect reason's outcome can be read (and tested) in one table. The systems BabyBot
// replaces reconnected at once on every close, so a logged-out or replaced session
// crash-looped; here only transient failures reconnect, with backoff and jitter.
import { DisconnectReason } from './baileys.js';

export type ConnectionStatus =
  | 'disabled'
  | 'not-linked'
  | 'connecting'
  | 'open'
  | 'reconnecting'
  | 'logged-out'
  | 'replaced'
  | 'bad-session'
  | 'forbidden'
  | 'stopped';

export interface DisconnectOutcome {
  /** `now`: reconnect at once; `backoff`: after the next backoff delay; `stop`: wait for a person. */
  reconnect: 'now' | 'backoff' | 'stop';
  status: ConnectionStatus;
  /** What a person reads in the log and in health. */
  message: string;
  /** The stored credentials are dead: forget them, so `auto` does not try them again. */
  clearAuth?: boolean;
}

/** The status code Baileys puts on a close (a Boom error's output.statusCode), if any. */
export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { output?: { statusCode?: unknown } } | undefined)?.output?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function classifyDisconnect(error: unknown): DisconnectOutcome {
  const code = statusCodeOf(error);
  const cause = (error as Error | undefined)?.message ?? 'no reason given';
  switch (code) {
    case DisconnectReason.loggedOut:
      return {
        reconnect: 'stop',
        status: 'logged-out',
        clearAuth: true,
        message:
          'WhatsApp logged BabyBot out (the device was removed under Linked devices on the phone, code 401). ' +
          'Run `babybot whatsapp link` to link it again; the local web chat keeps working meanwhile.',
      };
    case DisconnectReason.connectionReplaced:
      return {
        reconnect: 'stop',
        status: 'replaced',
        message:
          'Another program opened this WhatsApp session, so WhatsApp closed this one (connection replaced, code 440). ' +
          'Stop the other BabyBot (or the other program using these credentials), then restart this one.',
      };
    case DisconnectReason.badSession:
    case DisconnectReason.multideviceMismatch:
      return {
        reconnect: 'stop',
        status: 'bad-session',
        message:
          `The stored WhatsApp session is unusable (${code === DisconnectReason.badSession ? 'bad session' : 'multi-device mismatch'}, code ${code}). ` +
          'Run `babybot whatsapp logout`, then `babybot whatsapp link`.',
      };
    case DisconnectReason.forbidden:
      return {
        reconnect: 'stop',
        status: 'forbidden',
        message: 'WhatsApp refused this account (forbidden, code 403). Check the phone; BabyBot will not retry on its own.',
      };
    case DisconnectReason.restartRequired:
      return { reconnect: 'now', status: 'connecting', message: 'WhatsApp asked for a restart of the connection (code 515, normal after linking).' };
    default:
      return {
        reconnect: 'backoff',
        status: 'reconnecting',
        message: `The WhatsApp connection closed (${cause}${code ? `, code ${code}` : ''}); reconnecting.`,
      };
  }
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Tests pass their own to make the jitter predictable. */
  random?: () => number;
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random. */
export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1000;
    this.maxMs = options.maxMs ?? 5 * 60_000;
    this.random = options.random ?? Math.random;
  }

  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt++;
    return Math.round(cap / 2 + (cap / 2) * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}
