// What produced a message BabyBot sent, read from the first part of its delivery key (the
// key every send is logged under: `reply:<turn id>:<run id>`, `failure:…`). The model's own
// words (its reply `reply:`, a `send_message` `tool:`, a file it sent `file:`) are its side of
// the conversation. BabyBot's notices to a chat are the host's: a failed turn (`failure:`,
// workflows/agent-turn.ts), a notice at start such as "the model is not available"
// (`notice:`, workers/model-start.ts), a turn stopped at its bound or terminated
// (`timeout:`, `terminated:`) and a refused flood (`refused:`, workflows/group.ts).
export const HOST_NOTICE_KINDS = ['failure', 'notice', 'timeout', 'refused', 'terminated'] as const;

/** Whether the message sent under this delivery key is one of BabyBot's own notices, not the model's words. */
export function isHostNotice(deliveryKey: string | undefined): boolean {
  const kind = deliveryKey?.split(':', 1)[0];
  return (HOST_NOTICE_KINDS as readonly string[]).includes(kind ?? '');
}
