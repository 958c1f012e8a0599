// The photos a turn's own messages carry, named for the model step: path, size and type,
// so Temporal's history holds a few bytes per photo; the model step reads the file itself.
// Older photos in the context stay text ("[photo: media/….jpg] caption").
import type { Store, StoredMessage } from '../../lib/store/store.js';
import type { ChatMessage } from '../../contracts/types.js';

export function withTurnMedia(store: Store, stored: StoredMessage, message: ChatMessage, turnIds: Set<string>): ChatMessage {
  if (stored.fromAssistant || !turnIds.has(stored.id)) return message;
  const media = store.media(stored.chat, stored.id);
  if (media?.kind !== 'image' || media.status !== 'saved' || !media.path || !media.folder) return message;
  return { ...message, media: [{ kind: 'image', folder: media.folder, path: media.path, bytes: media.bytes ?? 0, mime: media.mime }] };
}
