// Whether this BabyBot runs WhatsApp, decided from WHATSAPP_ENABLED: `on` always, `off`
// never, `auto` (the default) once `babybot whatsapp link` has stored credentials.
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../lib/store/store.js';
import { isLinked } from './auth-state.js';
import { mediaAllowance } from '../media/media-allowance.js';
import { baileysDownloader, type MediaDownloader } from './media-download.js';
import { WHATSAPP_MEDIA_ORIGINS } from './media-origin.js';
import { baileysSocketFactory } from './socket.js';
import { WhatsAppChannel, type WhatsAppChannelDeps } from './whatsapp-channel.js';

/** What tests replace: the socket (a fake emitting Baileys' objects), the backoff and the clock. */
export type WhatsAppSeams = Partial<Pick<WhatsAppChannelDeps, 'socketFactory' | 'backoff' | 'clock' | 'stableAfterMs'>> & {
  /** Tests feed real bytes here instead of downloading from WhatsApp's media servers. */
  downloadMedia?: MediaDownloader;
  /** Tests name their own media server as WhatsApp's media host (WHATSAPP_MEDIA_ORIGINS otherwise). */
  mediaOrigins?: readonly string[];
};

export function createWhatsAppChannel(config: Config, store: Store, log: Logger, seams: WhatsAppSeams = {}): WhatsAppChannel | undefined {
  if (config.WHATSAPP_ENABLED === 'off') return undefined;
  if (config.WHATSAPP_ENABLED === 'auto' && !isLinked(store)) return undefined;
  const { downloadMedia, mediaOrigins, ...rest } = seams;
  const download = downloadMedia ?? baileysDownloader({ log, origins: mediaOrigins ?? WHATSAPP_MEDIA_ORIGINS, timeoutMs: config.MEDIA_DOWNLOAD_TIMEOUT });
  return new WhatsAppChannel({
    store,
    log: log.child({ channel: 'whatsapp' }),
    socketFactory: baileysSocketFactory,
    mainChat: config.WHATSAPP_MAIN_CHAT,
    webSocketUrl: config.WHATSAPP_WS_URL,
    media: {
      groupsDir: config.groupsDir,
      maxBytes: config.MEDIA_MAX_BYTES,
      refusal: mediaAllowance(store, { filesPerHour: config.MEDIA_GROUP_RATE, bytesPerDay: config.MEDIA_GROUP_QUOTA }),
      download,
    },
    ...rest,
  });
}
