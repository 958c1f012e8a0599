// The conversation a turn's context step returns is a Temporal payload (and the start of every
// model step's input): bounded here in UTF-8 bytes, whatever the chat holds. One message is
// cut at MESSAGE_MAX_BYTES with a note; the whole history keeps its newest messages within
// HISTORY_MAX_BYTES. Far more than any model's context window takes (the model step trims
// to num_ctx openly), so the bound only ever bites on a flood, never on a conversation.
import { boundUtf8, utf8Bytes } from '../contracts/bytes.js';
import type { ChatMessage } from '../contracts/types.js';

export const MESSAGE_MAX_BYTES = 32 * 1024;
export const HISTORY_MAX_BYTES = 256 * 1024;

const cutNote = (bytes: number) => `\n[… ${bytes} more bytes of this message cut: too long to read whole]`;

export function boundHistory(history: ChatMessage[], maxBytes = HISTORY_MAX_BYTES, messageMaxBytes = MESSAGE_MAX_BYTES): ChatMessage[] {
  const kept: ChatMessage[] = [];
  let bytes = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const message = history[i];
    const content = boundUtf8(message.content, messageMaxBytes, cutNote);
    const size = utf8Bytes(content);
    // The newest message always stays: it is what the turn answers.
    if (kept.length > 0 && bytes + size > maxBytes) break;
    bytes += size;
    kept.push(content === message.content ? message : { ...message, content });
  }
  return kept.reverse();
}
