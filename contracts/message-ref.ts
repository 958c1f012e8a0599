// What a group's workflow carries for each message: a reference to the stored message, with
// only what the workflow itself needs (its id, chat, place, sender) and a short preview for
// the Web UI, each bounded in bytes. The text stays in the store: the turn reads it there.
// A person can send as many and as long messages as they like; none of it reaches Temporal.
import { boundUtf8, jsonBytes } from './bytes.js';
import type { InboundMessage } from './types.js';

/** The start of a message shown in the Web UI (a turn's memo and summary). */
export const PREVIEW_BYTES = 120;
/** A sender's chosen name: a label, not content. */
export const NAME_BYTES = 60;
/** The most messages one turn answers; more that arrived together are answered in the next turns. */
export const BATCH_MAX_MESSAGES = 20;
/** The most bytes of references a turn's input carries (its messages, before the other fields). */
export const BATCH_MAX_BYTES = 32 * 1024;
/**
 * The most bytes of references a group's queue holds (carried in its continue-as-new input,
 * far under Temporal's 2 MB): a flood beyond it is refused, and the chat is told.
 */
export const QUEUE_MAX_BYTES = 256 * 1024;

/** The fields of a stored message a reference is made from. */
export interface MessageFields {
  id: string;
  chat: string;
  sender: string;
  senderName?: string | null;
  text: string;
  timestamp: string;
  seq: number;
}

/** The reference a channel hands to the group's workflow for a stored message. */
export function messageRef(message: MessageFields): InboundMessage {
  return {
    id: message.id,
    chat: message.chat,
    sender: message.sender,
    ...(message.senderName ? { senderName: boundUtf8(message.senderName, NAME_BYTES) } : {}),
    preview: boundUtf8(message.text, PREVIEW_BYTES),
    timestamp: message.timestamp,
    seq: message.seq,
  };
}

/**
 * The same message as a reference, whatever shape it came in: a signal or queue recorded
 * before references carries the full text, which is dropped here (kept as a preview).
 */
export function asRef(message: InboundMessage): InboundMessage {
  if (message.text === undefined) return message;
  const { text, ...rest } = message;
  return {
    ...rest,
    ...(message.senderName !== undefined ? { senderName: boundUtf8(message.senderName, NAME_BYTES) } : {}),
    preview: message.preview ?? boundUtf8(text ?? '', PREVIEW_BYTES),
  };
}

/** The size a reference adds to a payload. */
export const refBytes = (message: InboundMessage): number => jsonBytes(message);

/** The start of the queue one turn answers: in order, at most BATCH_MAX_MESSAGES and BATCH_MAX_BYTES (always at least one). */
export function nextBatch(queue: InboundMessage[]): InboundMessage[] {
  let bytes = 0;
  let count = 0;
  while (count < queue.length && count < BATCH_MAX_MESSAGES) {
    bytes += refBytes(queue[count]);
    if (count > 0 && bytes > BATCH_MAX_BYTES) break;
    count++;
  }
  return queue.slice(0, Math.max(1, count));
}
