// The web chat's media: POST /api/media takes a file, a photo or a recorded voice note as
// JSON with the bytes in base64 (so it passes the same Host/Origin/content-type checks as
// every other request: a cross-site form cannot send application/json), and
// GET /api/media?chat=…&id=… gives a message's file back. A served file is the group's
// data, possibly written by its container: only plain photos and audio are shown inline;
// everything else is a download, never sniffed, and sandboxed if opened.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../lib/logger.js';
import type { Media, Store, StoredMessage } from '../../lib/store/store.js';
import { localChat, localChatName } from '../../contracts/chat-ids.js';
import type { Inbound } from '../inbound.js';
import { ingestMedia } from './ingest.js';
import { unsavedText } from './media-text.js';
import { MediaPathError, readGroupFile } from './read-media.js';

export interface MediaRouteDeps {
  store: Store;
  inbound: Inbound;
  groupsDir: string;
  maxBytes: number;
  log: Logger;
}

export const PostMediaBody = z.object({
  chat: localChatName,
  /** "voice" for a recorded voice note; otherwise taken from the MIME type. */
  kind: z.enum(['voice', 'audio', 'image', 'video', 'document']).optional(),
  fileName: z.string().min(1).max(200),
  mime: z.string().max(100).regex(/^[\w.+-]+\/[\w.+-]+$/, 'a MIME type such as image/jpeg'),
  data: z.base64('the file bytes in base64'),
  caption: z.string().max(20_000).optional(),
  seconds: z.number().positive().max(24 * 3600).optional(),
  sender: z.string().min(1).max(100).optional(),
  id: z.string().min(1).max(200).optional(),
});

const MediaQuery = z.object({ chat: z.string().min(1).max(100), id: z.string().min(1).max(200) });

const INLINE = /^(image\/(jpeg|png|webp|gif)|audio\/(ogg|wav|x-wav|mpeg|mp4|webm|opus))$/;

export type Reply = (status: number, body: unknown) => void;

function kindOf(mime: string): Media['kind'] {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'document';
}

/** What the web chat needs to show a message's media (no paths of the host). */
export function publicMedia(store: Store, message: StoredMessage) {
  const media = store.media(message.chat, message.id);
  if (!media) return undefined;
  return {
    kind: media.kind,
    mime: media.mime,
    status: media.status,
    ...(media.fileName ? { fileName: media.fileName } : {}),
    ...(media.bytes ? { bytes: media.bytes } : {}),
    ...(media.status === 'saved' ? { url: `/api/media?chat=${encodeURIComponent(message.chat)}&id=${encodeURIComponent(message.id)}` } : {}),
  };
}

export async function postMedia(deps: MediaRouteDeps, rawBody: string, reply: Reply): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(rawBody);
  } catch (error) {
    return reply(400, { error: `The body must be JSON such as {"chat":"main","fileName":"a.jpg","mime":"image/jpeg","data":"<base64>"}: ${(error as Error).message}` });
  }
  const parsed = PostMediaBody.safeParse(raw);
  if (!parsed.success) return reply(400, { error: z.prettifyError(parsed.error) });
  const body = parsed.data;
  const chat = localChat(body.chat);
  const id = body.id ?? randomUUID();
  const data = Buffer.from(body.data, 'base64');
  const kind = body.kind ?? kindOf(body.mime);
  const source = { kind, mime: body.mime, fileName: body.fileName, declaredBytes: data.length, ...(body.seconds ? { seconds: Math.round(body.seconds) } : {}) };
  const group = deps.store.groupByJid(chat);
  const saved = group
    ? await ingestMedia({ groupsDir: deps.groupsDir, maxBytes: deps.maxBytes, log: deps.log }, group.folder, id, { ...source, fetch: async () => data }, body.caption)
    : { text: unsavedText(source, body.caption), media: undefined };
  const result = await deps.inbound.receive({
    channel: 'local',
    chat,
    chatName: chat.slice('local:'.length),
    id,
    sender: body.sender ?? 'user',
    senderName: body.sender ?? 'user',
    text: saved.text,
    timestamp: new Date().toISOString(),
    ...(saved.media ? { media: saved.media } : {}),
  });
  reply(202, {
    id: result.message.id,
    seq: result.message.seq,
    duplicate: !result.inserted,
    triggered: result.triggered,
    text: result.message.text,
    media: publicMedia(deps.store, result.message),
  });
}

export function getMedia(deps: MediaRouteDeps, url: URL, res: http.ServerResponse, reply: Reply): void {
  const parsed = MediaQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return reply(400, { error: `Query: ${z.prettifyError(parsed.error)} (e.g. ?chat=main&id=…)` });
  const chat = localChat(parsed.data.chat);
  const media = deps.store.media(chat, parsed.data.id);
  if (!media?.path || !media.folder || media.status !== 'saved') return reply(404, { error: `The message ${parsed.data.id} in ${chat} has no saved file.` });
  let file;
  try {
    file = readGroupFile(deps.groupsDir, media.folder, media.path, deps.maxBytes);
  } catch (error) {
    if (error instanceof MediaPathError) return reply(404, { error: error.message });
    throw error;
  }
  const inline = INLINE.test(media.mime);
  const name = (media.fileName ?? media.path.split('/').pop() ?? 'file').replace(/[^\w. -]/g, '_');
  res.writeHead(200, {
    'content-type': inline ? media.mime : 'application/octet-stream',
    'content-length': file.bytes,
    'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${name}"`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'",
    'cache-control': 'private, max-age=3600',
  });
  res.end(file.data);
}
