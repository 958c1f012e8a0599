// The platform channels a BabyBot runs, composed in one place. Each is a folder under
// channel/ whose setup decides from the configuration whether it runs; everything they must
// do (store once, trigger, hand over, deliver exactly once) is the shared path's (inbound.ts,
// outbound.ts, media/, activities/delivery.ts). Adding a channel is its folder and one line here.
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../lib/store/store.js';
import type { IncomingMessage } from './inbound.js';
import type { OutboundChannel } from './outbound.js';
import { createTelegramChannel, type TelegramSeams } from './telegram/setup.js';
import type { TelegramChannel } from './telegram/telegram-channel.js';
import { createWhatsAppChannel, type WhatsAppSeams } from './whatsapp/setup.js';
import type { WhatsAppChannel } from './whatsapp/whatsapp-channel.js';

/** A channel with a connection of its own: started with the inbound path, stopped with BabyBot, reported in /api/health. */
export interface PlatformChannel extends OutboundChannel {
  start(receive: (message: IncomingMessage) => Promise<unknown>): void;
  stop(): Promise<void>;
  health(): { ok: boolean; detail: string };
}

/** What tests replace in each channel. */
export interface ChannelSeams {
  whatsapp?: WhatsAppSeams;
  telegram?: TelegramSeams;
}

export interface PlatformChannels {
  whatsapp?: WhatsAppChannel;
  telegram?: TelegramChannel;
  all: PlatformChannel[];
}

export function platformChannels(config: Config, store: Store, log: Logger, seams: ChannelSeams): PlatformChannels {
  const whatsapp = createWhatsAppChannel(config, store, log, seams.whatsapp);
  const telegram = createTelegramChannel(config, store, log, seams.telegram);
  return { whatsapp, telegram, all: [whatsapp, telegram].filter((c): c is NonNullable<typeof c> => c !== undefined) };
}
