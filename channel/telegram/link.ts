// `babybot telegram link`: the owner proves who they are by sending a one-time code to the bot
// in a private chat. The code is random (48 bits), stored only as its hash with an expiry, used
// once; a message that matches it makes its sender the owner (their private chat becomes the
// Telegram main chat) and is not stored as a message. Anyone can write to a bot, so nothing
// but the code decides: a name, a username or being first proves nothing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../lib/store/store.js';

const LINK_KEY = 'telegram:link';
export const LINK_TTL_MS = 10 * 60_000;

const hashOf = (code: string) => createHash('sha256').update(code.trim().toLowerCase()).digest();

/** Makes a new code (replacing any earlier one) valid for `ttlMs`; returns it to show the owner. */
export function startTelegramLink(store: Store, ttlMs = LINK_TTL_MS, now = Date.now()): string {
  const code = randomBytes(6).toString('hex');
  store.setChannelState(LINK_KEY, JSON.stringify({ hash: hashOf(code).toString('hex'), expiresAt: now + ttlMs }));
  return code;
}

/** Whether `text` is the pending code (unexpired); a match uses it up. */
export function takeTelegramLinkCode(store: Store, text: string, now = Date.now()): boolean {
  const pending = store.channelState(LINK_KEY);
  if (!pending || text.length > 64) return false;
  let parsed: { hash?: unknown; expiresAt?: unknown };
  try {
    parsed = JSON.parse(pending) as typeof parsed;
  } catch {
    return false;
  }
  if (typeof parsed.hash !== 'string' || typeof parsed.expiresAt !== 'number') return false;
  if (now > parsed.expiresAt) {
    store.setChannelState(LINK_KEY, undefined);
    return false;
  }
  const expected = Buffer.from(parsed.hash, 'hex');
  const given = hashOf(text);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  store.setChannelState(LINK_KEY, undefined);
  return true;
}
