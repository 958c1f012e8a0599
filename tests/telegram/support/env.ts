// The environment that points a test's BabyBot at the Bot API stand-in.
import { OWNER, TOKEN, type BotApiStandIn } from './bot-api-stand-in.js';

export const telegramEnv = (api: BotApiStandIn, extra: Record<string, string> = {}): Record<string, string> => ({
  TELEGRAM_BOT_TOKEN: TOKEN,
  TELEGRAM_API_ROOT: api.url,
  TELEGRAM_OWNER_ID: String(OWNER.id),
  // Short long polls, so a stop does not wait for one.
  TELEGRAM_POLL_TIMEOUT: '2s',
  ...extra,
});

export const FAST_BACKOFF = { telegram: { backoff: { baseMs: 100, maxMs: 500 } } };
