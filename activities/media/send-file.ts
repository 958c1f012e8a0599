// The send_file tool: a file of the group's folder goes to the turn's own chat, once. The
// path is the model's word, so it is confined (read-media.ts: inside the folder, no link
// anywhere on the way, a regular file, capped). The send is logged like a text reply, keyed
// by the turn's run and the file, so a retried step (or the same file named twice in a
// turn) sends it once; the stored message names the file so the web chat can show it.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { mediaText, mimeForFile } from '../../channel/media/media-text.js';
import { MediaPathError, readGroupFile } from '../../channel/media/read-media.js';
import type { MediaKind } from '../../lib/store/store.js';
import type { sendFile } from '../../contracts/tools/host-tools.js';
import { messageIdFor } from '../delivery.js';
import type { HostToolHandler } from '../host-tools/types.js';

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

export function kindForMime(mime: string): MediaKind {
  if (/^image\/(jpeg|png|webp)$/.test(mime)) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'document';
}

export const sendFileHandler: HostToolHandler = async (deps, invocation) => {
  const args = invocation.args as z.infer<typeof sendFile.schema>;
  const { folder, chat } = invocation.group;
  let file;
  try {
    file = readGroupFile(deps.groupsDir, folder, args.path, deps.mediaMaxBytes ?? DEFAULT_MAX_BYTES);
  } catch (error) {
    if (error instanceof MediaPathError) throw ApplicationFailure.nonRetryable(`${error.message} Nothing was sent.`, 'FileRefused');
    throw error;
  }
  const fileName = path.posix.basename(file.relative);
  const mime = mimeForFile(fileName);
  const { info } = Context.current();
  const run = info.workflowExecution ?? { workflowId: invocation.turnId, runId: '' };
  const key = `file:${run.workflowId}:${run.runId}:${createHash('sha256').update(`${chat}\n${file.relative}`).digest('hex').slice(0, 16)}`;
  const sent = (messageId: string) => `Sent ${file.relative} (${mime}, ${file.bytes} bytes) to the chat as message ${messageId}.`;
  const logged = deps.store.delivery(key);
  // A retried step (or the same file named again in this run) answers as the first send did, and sends nothing.
  if (logged?.status === 'sent') return sent(logged.messageId);
  const channel = deps.outbound.channelFor(chat);
  if (!channel?.sendFile) throw ApplicationFailure.nonRetryable(`The chat "${chat}" cannot receive files.`, 'UnknownChat');
  const messageId = logged?.messageId ?? messageIdFor(key);
  // 'sending' first: a retry after a crash reuses this message id.
  deps.store.recordDelivery(key, chat, messageId, 'sending');
  await channel.sendFile(chat, { data: file.data, mime, fileName, ...(args.caption ? { caption: args.caption } : {}) }, messageId);
  const media = { kind: kindForMime(mime), mime, folder, path: file.relative, bytes: file.bytes, fileName, status: 'saved' as const };
  deps.store.recordAssistantMessage(
    key,
    {
      chat,
      id: messageId,
      sender: 'assistant',
      senderName: deps.assistantName,
      text: mediaText(media, args.caption),
      timestamp: new Date().toISOString(),
      fromAssistant: true,
    },
    media,
  );
  return sent(messageId);
};
