// `babybot doctor`: does Telegram take the bot token (getMe), and who is the owner? Only the
// channel's own wording is shown: an error text could name the request's URL, and so the token.
import { TELEGRAM_OWNER_KEY } from '../channel/owner.js';
import { botApi, classifyFailure, grammySignal, redactor, TOKEN_REFUSED } from '../channel/telegram/bot-api.js';
import { Store } from '../lib/store/store.js';
import type { DoctorCheck as Check } from './doctor-check.js';

export const telegramCheck: Check = {
  name: 'Telegram',
  required: false,
  async run(config) {
    const token = config.TELEGRAM_BOT_TOKEN;
    if (!token) return { ok: true, detail: 'off (set TELEGRAM_BOT_TOKEN to use Telegram; README, "Telegram")' };
    let owner: string | undefined;
    try {
      const store = Store.openIn(config.dataDir);
      owner = config.TELEGRAM_OWNER_ID ?? store.channelState(TELEGRAM_OWNER_KEY);
      store.close();
    } catch {
      owner = config.TELEGRAM_OWNER_ID;
    }
    try {
      const me = await botApi(token, config.TELEGRAM_API_ROOT, 10).getMe(grammySignal(AbortSignal.timeout(10_000)));
      return owner
        ? { ok: true, detail: `@${me.username}, owner ${owner} (their private chat with the bot is telegram-main)` }
        : { ok: false, detail: `@${me.username}, but no owner: there is no Telegram main chat`, fix: 'Set TELEGRAM_OWNER_ID to your Telegram user id, or run `babybot telegram link` while BabyBot runs.' };
    } catch (error) {
      const failure = classifyFailure(error, redactor(token));
      if (failure.kind === 'unauthorized') return { ok: false, detail: 'Telegram refused the bot token (401: revoked or wrong)', fix: TOKEN_REFUSED };
      return { ok: false, detail: `Telegram's Bot API at ${config.TELEGRAM_API_ROOT} did not answer getMe (${failure.text})`, fix: 'Check the network (or TELEGRAM_API_ROOT), then run `babybot doctor` again.' };
    }
  },
};
