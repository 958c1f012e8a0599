// Downloads a WhatsApp message's media with Baileys, capped at MEDIA_MAX_BYTES while it
// streams. An expired media URL (WhatsApp answers 404/410 after a while) is handled by
// Baileys' own re-upload request: the phone uploads the file again and the download is
// retried once with the new URL.
import type { Logger } from '../../lib/logger.js';
import { readCapped } from '../media/ingest.js';
import { downloadMediaMessage, type WAMessage } from './baileys.js';
import type { WhatsAppSocket } from './socket.js';

/** The seam tests replace: the bytes of a message's media, at most maxBytes. */
export type MediaDownloader = (raw: WAMessage, socket: WhatsAppSocket, maxBytes: number) => Promise<Buffer>;

export function baileysDownloader(log: Logger): MediaDownloader {
  return async (raw, socket, maxBytes) => {
    const stream = await downloadMediaMessage(raw, 'stream', {}, {
      logger: log.child({ component: 'baileys-media' }, { level: 'warn' }) as never,
      reuploadRequest: (message) => {
        if (!socket.updateMediaMessage) throw new Error('the socket cannot ask for a re-upload');
        return socket.updateMediaMessage(message);
      },
    });
    return readCapped(stream, maxBytes);
  };
}
