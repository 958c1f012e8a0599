// Which workflow a stored message goes to: a voice note still to be transcribed goes to
// its own `voice:` workflow first (which hands it to the group afterwards, if its words
// call the assistant); everything else straight to the group's workflow.
import type { Group, Store, StoredMessage } from '../../lib/store/store.js';
import { awaitsTranscription } from '../inbound.js';

export interface MediaHandOverDeps {
  store: Store;
  toGroup: (group: Group, message: StoredMessage) => Promise<void>;
  toVoiceNote: (group: Group, message: StoredMessage, path: string) => Promise<void>;
}

export function mediaAwareHandOver(deps: MediaHandOverDeps) {
  return async (group: Group, message: StoredMessage): Promise<void> => {
    const media = deps.store.media(message.chat, message.id);
    if (media?.path && awaitsTranscription(media)) return deps.toVoiceNote(group, message, media.path);
    return deps.toGroup(group, message);
  };
}
