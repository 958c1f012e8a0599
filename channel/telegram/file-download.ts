// Downloads a Telegram file: getFile names its path, and the bytes are fetched from the Bot
// API's file host, `<api root>/file/bot<token>/<path>`, never from anywhere else. The path is
// checked as a plain relative path (no "..", no scheme, no host), the URL built from it must
// keep the API root's origin, redirects are refused (a redirect could carry the token's URL
// elsewhere), and the whole download (getFile included) ends within MEDIA_DOWNLOAD_TIMEOUT,
// capped at MEDIA_MAX_BYTES while it streams: the same limits as WhatsApp media. Whatever
// goes wrong reaches the group as a fixed short reason; details go to the log, token removed.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from '../../lib/logger.js';
import { MediaTooLargeError, MediaUnavailableError, readCapped } from '../media/ingest.js';
import { grammySignal, type BotApi } from './bot-api.js';

/** The seam of the channel: the bytes of a file, at most maxBytes; `stop` ends it early (BabyBot stopping). */
export type TelegramFileDownload = (fileId: string, maxBytes: number, stop?: AbortSignal) => Promise<Buffer>;

export interface FileDownloadOptions {
  api: BotApi;
  token: string;
  apiRoot: string;
  timeoutMs: number;
  log: Logger;
  redact: (text: string) => string;
}

export const DOWNLOAD_FAILED = 'the download failed';
export const NOT_TELEGRAM_FILE = "its path does not lead to Telegram's file host";
const tooSlow = (timeoutMs: number) => `it took longer than ${Math.round(timeoutMs / 1000)}s (MEDIA_DOWNLOAD_TIMEOUT)`;

/** A relative path of plain segments, as Telegram gives them (photos/file_1.jpg). */
export function safeFilePath(filePath: unknown): string | undefined {
  if (typeof filePath !== 'string' || filePath.length > 256) return undefined;
  if (!/^[\w-][\w.-]*(\/[\w-][\w.-]*)*$/.test(filePath)) return undefined;
  return filePath.split('/').some((segment) => segment === '.' || segment === '..') ? undefined : filePath;
}

/** The file's URL, only when it stays on the API root's origin and under its /file/bot<token>/ folder. */
export function fileUrl(apiRoot: string, token: string, filePath: string): URL | undefined {
  const root = new URL(apiRoot);
  const base = `${root.origin}${root.pathname.replace(/\/+$/, '')}/file/bot${token}/`;
  const url = new URL(filePath, base);
  return url.origin === root.origin && url.href.startsWith(base) ? url : undefined;
}

export function telegramFileDownload(options: FileDownloadOptions): TelegramFileDownload {
  const log = options.log.child({ component: 'telegram-media' });
  return async (fileId, maxBytes, stop) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
    try {
      const file = await options.api.getFile(fileId, grammySignal(signal));
      const declared = typeof file.file_size === 'number' && file.file_size > 0 ? file.file_size : undefined;
      if (declared !== undefined && declared > maxBytes) throw new MediaTooLargeError(declared, maxBytes);
      const filePath = safeFilePath(file.file_path);
      const url = filePath && fileUrl(options.apiRoot, options.token, filePath);
      if (!url) throw new MediaUnavailableError(NOT_TELEGRAM_FILE);
      const response = await fetch(url, { signal, redirect: 'error' });
      if (!response.ok || !response.body) throw new Error(`the file host answered ${response.status}`);
      const length = Number(response.headers.get('content-length'));
      if (Number.isFinite(length) && length > maxBytes) {
        await response.body.cancel();
        throw new MediaTooLargeError(length, maxBytes);
      }
      return await readCapped(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), maxBytes, signal);
    } catch (error) {
      if (error instanceof MediaTooLargeError || error instanceof MediaUnavailableError) throw error;
      const shown = timeout.aborted ? tooSlow(options.timeoutMs) : DOWNLOAD_FAILED;
      log.warn({ err: options.redact((error as Error)?.message ?? String(error)) }, `could not download a Telegram file: ${shown}`);
      throw new MediaUnavailableError(shown);
    }
  };
}
