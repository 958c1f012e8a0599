// One way in for every channel's media: refuse what is over MEDIA_MAX_BYTES, download
// (WhatsApp) or take (web upload) the bytes, save them in the group's folder, and say what
// the message carries. Whatever goes wrong becomes a readable placeholder in the message:
// the message itself is always stored.
import type { Logger } from '../../lib/logger.js';
import type { Media, MediaKind } from '../../lib/store/store.js';
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

export interface IngestDeps {
  groupsDir: string;
  maxBytes: number;
  log: Logger;
}

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
  let data: Buffer;
  try {
    data = await source.fetch(deps.maxBytes);
    if (data.length > deps.maxBytes) throw new MediaTooLargeError(data.length, deps.maxBytes);
  } catch (error) {
    if (error instanceof MediaTooLargeError) return finish({ ...base, status: 'too-large', error: error.message });
    deps.log.warn({ folder, messageId, err: (error as Error).message }, 'could not download a media file');
    return finish({ ...base, status: 'failed', error: oneLine((error as Error).message) });
  }
  try {
    const saved = saveMediaFile(deps.groupsDir, folder, `${fileStem(messageId)}.${extensionFor(source.mime, source.fileName)}`, data);
    return finish({ ...base, path: saved, bytes: data.length });
  } catch (error) {
    deps.log.error({ folder, messageId, err: (error as Error).message }, 'could not save a media file');
    return finish({ ...base, status: 'failed', bytes: data.length, error: `not saved: ${oneLine((error as Error).message)}` });
  }
}

/** Reads a stream into a buffer, giving up (and ending the stream) past maxBytes. */
export async function readCapped(stream: AsyncIterable<Buffer | Uint8Array> & { destroy?: () => void }, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > maxBytes) {
      stream.destroy?.();
      throw new MediaTooLargeError(undefined, maxBytes);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
