// One way in for every channel's media: refuse what is over MEDIA_MAX_BYTES or the group's
// media allowance, download (WhatsApp) or take (web upload) the bytes, save them in the
// group's folder, and say what the message carries. Whatever goes wrong becomes a readable
// placeholder in the message: the message itself is always stored. What the group reads is
// BabyBot's own short wording; error texts (hosts, addresses, host paths) go to the log only.
import type { Logger } from '../../lib/logger.js';
import type { Media, MediaKind } from '../../lib/store/store.js';
import { audioLength } from './audio-length.js';
import { extensionFor, fileStem, mediaText, sizeText } from './media-text.js';
import { saveMediaFile } from './save-media.js';

/** What a channel knows about a message's media before its bytes are fetched. */
export interface MediaDescription {
  kind: MediaKind;
  mime: string;
  fileName?: string;
  seconds?: number;
  /** The size the sender's client declared (WhatsApp's fileLength), checked before downloading. */
  declaredBytes?: number;
  width?: number;
  height?: number;
}

/** The description and how to fetch the bytes. */
export interface MediaSource extends MediaDescription {
  /** Fetches the bytes; must stop (throw MediaTooLargeError) past maxBytes. */
  fetch(maxBytes: number): Promise<Buffer>;
}

export class MediaTooLargeError extends Error {
  override name = 'MediaTooLargeError';
  constructor(readonly bytes: number | undefined, readonly maxBytes: number) {
    super(`${bytes === undefined ? 'more than' : sizeText(bytes) + ', over'} the limit of ${sizeText(maxBytes)} (MEDIA_MAX_BYTES)`);
  }
}

/** A download that did not succeed; `message` is the fixed short reason the group reads. */
export class MediaUnavailableError extends Error {
  override name = 'MediaUnavailableError';
}

export interface IngestDeps {
  groupsDir: string;
  maxBytes: number;
  log: Logger;
  /** Why the group may not take in a file of this size now (media-allowance.ts); undefined: it may. */
  refusal?: (folder: string, declaredBytes: number | undefined) => string | undefined;
}

const NOT_SAVED = 'it was downloaded but could not be saved';

export interface Ingested {
  media: Media;
  /** The message's text: the media's wording and the caption. */
  text: string;
}

/** Saves the media of message `messageId` for the group `folder`; never throws. */
export async function ingestMedia(deps: IngestDeps, folder: string, messageId: string, source: MediaSource, caption?: string): Promise<Ingested> {
  const base: Media = {
    kind: source.kind,
    mime: source.mime,
    folder,
    status: 'saved',
    ...(source.fileName ? { fileName: source.fileName } : {}),
    ...(source.seconds ? { seconds: source.seconds } : {}),
    ...(source.width ? { width: source.width } : {}),
    ...(source.height ? { height: source.height } : {}),
    ...(source.declaredBytes ? { bytes: source.declaredBytes } : {}),
  };
  const finish = (media: Media): Ingested => ({ media, text: mediaText(media, caption) });
  if (source.declaredBytes !== undefined && source.declaredBytes > deps.maxBytes) {
    return finish({ ...base, status: 'too-large', error: new MediaTooLargeError(source.declaredBytes, deps.maxBytes).message });
  }
  const refused = deps.refusal?.(folder, source.declaredBytes);
  if (refused) {
    deps.log.warn({ folder, messageId, reason: refused }, 'a media file was refused by the group\'s media allowance');
    return finish({ ...base, status: 'too-large', error: refused });
  }
  let data: Buffer;
  try {
    data = await source.fetch(deps.maxBytes);
    if (data.length > deps.maxBytes) throw new MediaTooLargeError(data.length, deps.maxBytes);
  } catch (error) {
    if (error instanceof MediaTooLargeError) return finish({ ...base, status: 'too-large', error: error.message });
    deps.log.warn({ folder, messageId, err: (error as Error).message }, 'could not download a media file');
    return finish({ ...base, status: 'failed', error: error instanceof MediaUnavailableError ? error.message : 'the download failed' });
  }
  try {
    const saved = saveMediaFile(deps.groupsDir, folder, `${fileStem(messageId)}.${extensionFor(source.mime, source.fileName)}`, data);
    // The sender's `seconds` is a claim; what the file holds is what everyone reads.
    const seconds = source.kind === 'voice' || source.kind === 'audio' ? audioLength(data)?.seconds : undefined;
    return finish({ ...base, path: saved, bytes: data.length, ...(seconds !== undefined ? { seconds: Math.round(seconds) } : {}) });
  } catch (error) {
    deps.log.error({ folder, messageId, err: (error as Error).message }, 'could not save a media file');
    return finish({ ...base, status: 'failed', bytes: data.length, error: NOT_SAVED });
  }
}

/**
 * Reads a stream into a buffer, giving up (and ending the stream) past maxBytes or when
 * `signal` aborts: a stream piped from a dead socket may otherwise never end.
 */
export async function readCapped(
  stream: AsyncIterable<Buffer | Uint8Array> & { destroy?: (error?: Error) => void },
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const onAbort = () => stream.destroy?.(signal?.reason as Error);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy?.();
        throw new MediaTooLargeError(undefined, maxBytes);
      }
      chunks.push(Buffer.from(chunk));
    }
    signal?.throwIfAborted();
    return Buffer.concat(chunks);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
