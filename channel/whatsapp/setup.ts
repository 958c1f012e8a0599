// Whether this BabyBot runs WhatsApp, decided from WHATSAPP_ENABLED: `on` always, `off`
// never, `auto` (the default) once `babybot whatsapp link` has stored credentials.
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../lib/store/store.js';
import { isLinked } from './auth-state.js';
import { baileysDownloader, type MediaDownloader } from './media-download.js';
import { baileysSocketFactory } from './socket.js';
import { WhatsAppChannel, type WhatsAppChannelDeps } from './whatsapp-channel.js';

/** What tests replace: the socket (a fake emitting Baileys' objects), the backoff and the clock. */
export type WhatsAppSeams = Partial<Pick<WhatsAppChannelDeps, 'socketFactory' | 'backoff' | 'clock' | 'stableAfterMs'>> & {
  /** Tests feed real bytes here instead of downloading from WhatsApp's media servers. */
  downloadMedia?: MediaDownloader;
};

export function createWhatsAppChannel(config: Config, store: Store, log: Logger, seams: WhatsAppSeams = {}): WhatsAppChannel | undefined {
  if (config.WHATSAPP_ENABLED === 'off') return undefined;
  if (config.WHATSAPP_ENABLED === 'auto' && !isLinked(store)) return undefined;
  const { downloadMedia, ...rest } = seams;
  return new WhatsAppChannel({
    store,
    log: log.child({ channel: 'whatsapp' }),
    socketFactory: baileysSocketFactory,
    mainChat: config.WHATSAPP_MAIN_CHAT,
    webSocketUrl: config.WHATSAPP_WS_URL,
    media: { groupsDir: config.groupsDir, maxBytes: config.MEDIA_MAX_BYTES, download: downloadMedia ?? baileysDownloader(log) },
    ...rest,
  });
}
