// Whether this BabyBot runs Telegram: when TELEGRAM_BOT_TOKEN is set; by long polling, or by
// webhook when TELEGRAM_WEBHOOK_URL is set. The token stays here
// and in grammY's client: the channel gets a redactor, never the token itself.
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../lib/store/store.js';
import { mediaAllowance } from '../media/media-allowance.js';
import { botApi, redactor } from './bot-api.js';
import { telegramFileDownload } from './file-download.js';
import { TelegramChannel, type TelegramChannelDeps } from './telegram-channel.js';

/** What tests replace: the poll's backoff. (The Bot API itself is the test's own server, through TELEGRAM_API_ROOT.) */
export type TelegramSeams = Partial<Pick<TelegramChannelDeps, 'backoff'>>;

export function createTelegramChannel(config: Config, store: Store, log: Logger, seams: TelegramSeams = {}): TelegramChannel | undefined {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) return undefined;
  const channelLog = log.child({ channel: 'telegram' });
  const redact = redactor(token);
  const pollSeconds = Math.min(Math.max(Math.round(config.TELEGRAM_POLL_TIMEOUT / 1000), 1), 50);
  const api = botApi(token, config.TELEGRAM_API_ROOT, pollSeconds);
  return new TelegramChannel({
    store,
    log: channelLog,
    api,
    redact,
    ownerId: config.TELEGRAM_OWNER_ID,
    pollSeconds,
    ...(config.TELEGRAM_WEBHOOK_URL
      ? { webhook: { url: config.TELEGRAM_WEBHOOK_URL, host: config.TELEGRAM_WEBHOOK_HOST, port: config.TELEGRAM_WEBHOOK_PORT } }
      : {}),
    media: {
      groupsDir: config.groupsDir,
      maxBytes: config.MEDIA_MAX_BYTES,
      refusal: mediaAllowance(store, { filesPerHour: config.MEDIA_GROUP_RATE, bytesPerDay: config.MEDIA_GROUP_QUOTA }),
      download: telegramFileDownload({ api, token, apiRoot: config.TELEGRAM_API_ROOT, timeoutMs: config.MEDIA_DOWNLOAD_TIMEOUT, log: channelLog, redact }),
    },
    ...seams,
  });
}
