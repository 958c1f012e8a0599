// The channel's half of a voice note (channel task queue: it needs the store): the words
// become the stored message's text, the trigger rules run on them like on typed text, and
// a triggered note goes to its group's workflow. Without a speech model the owner is told
// once (the delivery log's key makes "once" hold across retries and restarts).
import { callsAssistant } from '../../channel/inbound.js';
import { untranscribedText, voiceNoteText } from '../../channel/media/media-text.js';
import type { OutboundRouter } from '../../channel/outbound.js';
import type { Group, Store, StoredMessage } from '../../lib/store/store.js';
import { deliver } from '../delivery.js';
import type { MediaChannelActivities, VoiceNoteDone } from '../../contracts/activities.js';
import { WHISPER_HINT } from './transcribe.js';

export interface MediaChannelDeps {
  store: Store;
  outbound: OutboundRouter;
  assistantName: string;
  /** signalWithStart of the group's workflow (the same hand-over typed messages take). */
  handOverToGroup: (group: Group, message: StoredMessage) => Promise<void>;
}

export const WHISPER_HINT_KEY = 'hint:whisper-model-missing';

export function createMediaChannelActivities(deps: MediaChannelDeps): MediaChannelActivities {
  return {
    async voiceNoteTranscribed(done: VoiceNoteDone): Promise<{ triggered: boolean; text: string }> {
      const { store } = deps;
      const media = store.media(done.chat, done.messageId);
      const stored = store.getMessage(done.chat, done.messageId);
      if (!media || !stored) return { triggered: false, text: '' };
      const { outcome } = done;
      const text = outcome.ok ? voiceNoteText(media, outcome.transcript) : untranscribedText(media, outcome.reason);
      const message = store.setTranscript(done.chat, done.messageId, text, outcome.ok ? outcome.transcript : '', outcome.ok ? outcome.language : undefined)!;
      const group = store.groupByJid(done.chat);
      // Only a note that called the assistant (main, a group without a trigger, or a caption
      // with one: kept in the text stored before) was transcribed at all (inbound.ts).
      const triggered = group !== undefined && (callsAssistant(group, text, deps.assistantName) || callsAssistant(group, stored.text, deps.assistantName));
      if (group && triggered) {
        // Pending first: a crash before Temporal has it is handed over again at the next start.
        store.markPending(done.chat, done.messageId);
        await deps.handOverToGroup(group, message);
        store.markHandedOff(done.chat, done.messageId);
      }
      // After the hand-over: a hint that cannot be sent now (WhatsApp away) never holds the note back.
      if (!outcome.ok && outcome.missingModel) await tellOwnerOnce(deps, done.chat);
      return { triggered, text };
    },
  };
}

/** The owner's main chat (the one on the voice note's channel if there is one) hears how to enable transcription. */
async function tellOwnerOnce(deps: MediaChannelDeps, fromChat: string): Promise<void> {
  if (deps.store.delivery(WHISPER_HINT_KEY)?.status === 'sent') return;
  const mains = deps.store.listGroups().filter((g) => g.isMain);
  const main = mains.find((g) => g.jid === fromChat) ?? mains.find((g) => g.jid.includes('@') === fromChat.includes('@')) ?? mains[0];
  if (!main) return;
  await deliver(deps, {
    key: WHISPER_HINT_KEY,
    chat: main.jid,
    text: `A voice note arrived but I cannot transcribe voice notes yet: no local speech model is set up. ${WHISPER_HINT}`,
  });
}
