// Downloads a WhatsApp message's media with Baileys' own download and decryption
// (downloadContentFromMessage), but from a URL BabyBot chose: only WhatsApp's media hosts
// over https (media-origin.ts), redirects held to the same hosts, the whole download
// (re-upload included) within MEDIA_DOWNLOAD_TIMEOUT, capped at MEDIA_MAX_BYTES while it
// streams. An expired media URL (WhatsApp answers 404/410 after a while) is asked again
// from the sender's phone once; the answer is the sender's word too, so it passes the same
// rule. Whatever goes wrong reaches the group as a fixed short reason; the details (hosts,
// addresses, error texts) go to the log only.
import type { Logger } from '../../lib/logger.js';
import { MediaTooLargeError, MediaUnavailableError, readCapped } from '../media/ingest.js';
import { downloadContentFromMessage, normalizeMessageContent, type WAMessage } from './baileys.js';
import { mediaUrl, originAllowed } from './media-origin.js';
import type { WhatsAppSocket } from './socket.js';

/** The seam tests replace: the bytes of a message's media, at most maxBytes. */
export type MediaDownloader = (raw: WAMessage, socket: WhatsAppSocket, maxBytes: number) => Promise<Buffer>;

export interface MediaDownloadOptions {
  log: Logger;
  /** WhatsApp's media hosts (WHATSAPP_MEDIA_ORIGINS); tests name their own server here. */
  origins: readonly string[];
  /** The whole download, a re-upload included. */
  timeoutMs: number;
}

type MediaType = 'audio' | 'image' | 'video' | 'document' | 'sticker';
const MEDIA_TYPES: readonly MediaType[] = ['audio', 'image', 'video', 'document', 'sticker'];

/** What the group reads when the link leads elsewhere: nothing was fetched. */
export const NOT_WHATSAPP_MEDIA = "its link does not lead to WhatsApp's media servers";
export const DOWNLOAD_FAILED = 'the download failed';
export const downloadTooSlow = (timeoutMs: number) => `it took longer than ${Math.round(timeoutMs / 1000)}s (MEDIA_DOWNLOAD_TIMEOUT)`;

/** WhatsApp's answers for a file it no longer holds: the phone is asked to upload it again. */
const EXPIRED = new Set([404, 410]);

export function baileysDownloader(options: MediaDownloadOptions): MediaDownloader {
  const log = options.log.child({ component: 'whatsapp-media' });
  return async (raw, socket, maxBytes) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    const attempt = { signal, origins: options.origins, maxBytes, redirectRefused: false };
    try {
      try {
        return await fetchOnce(raw, attempt);
      } catch (error) {
        if (!EXPIRED.has(statusOf(error) ?? 0) || !socket.updateMediaMessage) throw error;
        log.info({ id: raw.key.id }, 'media expired on WhatsApp; asking the sender to upload it again');
        const renewed = await withinSignal(socket.updateMediaMessage(raw), signal);
        return await fetchOnce(renewed, attempt);
      }
    } catch (error) {
      if (error instanceof MediaTooLargeError || error instanceof MediaUnavailableError) throw error;
      // axios reports a redirect refused in beforeRedirect as an error of its own.
      const shown = attempt.redirectRefused ? NOT_WHATSAPP_MEDIA : signal.aborted ? downloadTooSlow(options.timeoutMs) : DOWNLOAD_FAILED;
      log.warn({ id: raw.key.id, chat: raw.key.remoteJid, err: (error as Error).message, status: statusOf(error) }, `could not download a media file: ${shown}`);
      throw new MediaUnavailableError(shown);
    }
  };
}

interface Attempt {
  signal: AbortSignal;
  origins: readonly string[];
  maxBytes: number;
  /** Set when a redirect left the media hosts (and was not followed). */
  redirectRefused: boolean;
}

async function fetchOnce(message: WAMessage, attempt: Attempt): Promise<Buffer> {
  const { signal, origins, maxBytes } = attempt;
  const content = normalizeMessageContent(message.message);
  const type = MEDIA_TYPES.find((t) => content?.[`${t}Message`]);
  const media = type && content?.[`${type}Message`];
  if (!type || !media?.mediaKey) throw new MediaUnavailableError(DOWNLOAD_FAILED);
  const url = mediaUrl(media, origins);
  if (!url) throw new MediaUnavailableError(NOT_WHATSAPP_MEDIA);
  const stream = await downloadContentFromMessage({ mediaKey: media.mediaKey, directPath: media.directPath, url: url.href }, type, {
    options: {
      signal,
      maxRedirects: 3,
      // follow-redirects calls this before following; throwing ends the request there.
      beforeRedirect: (next: { href?: string; protocol?: string; hostname?: string; port?: string | number }) => {
        const target = new URL(next.href ?? `${next.protocol}//${next.hostname}${next.port ? `:${next.port}` : ''}/`);
        if (originAllowed(target, origins)) return;
        attempt.redirectRefused = true;
        throw new MediaUnavailableError(NOT_WHATSAPP_MEDIA);
      },
    },
  });
  return readCapped(stream, maxBytes, signal);
}

/** The HTTP status of an axios error (Baileys downloads with axios), if any. */
function statusOf(error: unknown): number | undefined {
  const response = (error as { response?: { status?: unknown } } | undefined)?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}

/** Settles with `promise`, or rejects once `signal` aborts (a re-upload the phone never answers). */
function withinSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
