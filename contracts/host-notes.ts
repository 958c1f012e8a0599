// What the host writes into a conversation, tagged so the model can tell it from people:
// every person's message starts with their name or the [member] tag the store writes, so no
// one in a chat can write a message that starts with this tag.

/** Starts every host's note: the one that opens a turn (which chat, its memory) and the ones inside a turn. */
export const HOST_NOTE_TAG = '[host]';

/**
 * Added after the results of a step whose calls the model wrote into its text. Such models
 * (Qwen2.5-Coder 0.5B/1.5B with the library template) answer a tool's result with yet more
 * calls, until the step limit; a direct note makes them answer (measured with the 0.5B on
 * 2026-12-07: without it, read_file/list_files/schedule_task calls after `wc -l`; with it,
 * "…there are 7 lines…"). Any mention of calling another tool brought the calls back, so
 * it says only this. Models that call tools natively never get it.
 */
export const ANSWER_NOW_NOTE = `${HOST_NOTE_TAG} Now answer the message with the result above, in plain words.`;
