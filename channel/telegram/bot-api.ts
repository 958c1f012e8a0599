// grammY's Bot API client, and what its failures mean for BabyBot. The token is part of
// every request's URL (…/bot<token>/method), so any text that may have met a URL passes
// through `redact` before it reaches a log line, an error a person reads, or Temporal (an
// activity's failure is shown in the Web UI): the token never leaves this process's memory.
import { Api, GrammyError } from 'grammy';

export type BotApi = Api;

export function botApi(token: string, apiRoot: string, pollSeconds: number): BotApi {
  // grammY aborts a call after timeoutSeconds: a long poll must not be cut before Telegram answers it.
  return new Api(token, { apiRoot: apiRoot.replace(/\/+$/, ''), timeoutSeconds: pollSeconds + 15, sensitiveLogs: false });
}

/** Removes the token (and any …/bot<something>/ path) from a text. */
export function redactor(token: string): (text: string) => string {
  return (text) => text.split(token).join('<token>').replace(/\/bot[^/\s]+\//g, '/bot<token>/');
}

export type BotApiFailure =
  /** 401: the token was revoked or is wrong; nothing works until a person sets a new one. */
  | { kind: 'unauthorized'; text: string }
  /** 429: Telegram asks to wait this many seconds. */
  | { kind: 'rate-limited'; retryAfterS: number; text: string }
  /** 409: another program polls this bot (or a webhook is set). */
  | { kind: 'conflict'; text: string }
  /** Any other answer of Telegram's (400, 403: the request itself is refused; a retry cannot help). */
  | { kind: 'refused'; code: number; text: string }
  /** No answer (a dropped connection, a timeout, a 5xx): a retry may help. */
  | { kind: 'unreachable'; text: string };

/** Telegram's retry_after, bounded: an hour at most, a second at least. */
const boundSeconds = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.ceil(value), 1), 3600) : 5);

export function classifyFailure(error: unknown, redact: (text: string) => string): BotApiFailure {
  if (error instanceof GrammyError) {
    const text = redact(`${error.error_code}: ${error.description}`).slice(0, 300);
    if (error.error_code === 401) return { kind: 'unauthorized', text };
    if (error.error_code === 429) return { kind: 'rate-limited', retryAfterS: boundSeconds(error.parameters?.retry_after), text };
    if (error.error_code === 409) return { kind: 'conflict', text };
    if (error.error_code >= 500) return { kind: 'unreachable', text };
    return { kind: 'refused', code: error.error_code, text };
  }
  // grammY's HttpError says only which method failed; its cause (which may name the URL) is never shown.
  return { kind: 'unreachable', text: redact((error as Error)?.message ?? String(error)).slice(0, 300) };
}

/** What the owner reads (health, doctor, logs) when Telegram refuses the token. */
export const TOKEN_REFUSED =
  'Telegram refused the bot token (401: revoked or wrong), so BabyBot stopped polling. ' +
  'Open @BotFather, send /token (or /revoke) for your bot, put the new token in TELEGRAM_BOT_TOKEN, then restart BabyBot.';

/** grammY types its signals with an old polyfill's AbortSignal; Node's own works at run time. */
export type GrammySignal = Parameters<Api['getMe']>[0];
export const grammySignal = (signal: AbortSignal) => signal as unknown as GrammySignal;
