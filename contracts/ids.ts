// Readable workflow ids: what a person types into the Web UI's search box.

export const groupWorkflowId = (folder: string) => `group:${folder}`;
/** A turn that answers no message (a task's run: `task-<firing>`), or the short form below. */
export const turnWorkflowId = (folder: string, messageId: string) => `turn:${folder}:${messageId}`;
export const taskScheduleId = (folder: string, shortId: string) => `task:${folder}:${shortId}`;
export const voiceNoteWorkflowId = (folder: string, messageId: string) => `voice:${folder}:${messageId}`;

/**
 * The turn that answers a message, unique per chat: a message id is unique only within its
 * chat (a local chat's client chooses it), and a folder may be moved to another chat. The
 * folder's own local chat (`local:<folder>`) keeps the short form `turn:<folder>:<id>`; any
 * other chat is named after the id: `turn:<folder>:<id>@<chat>`. An id with an `@` always
 * takes the long form, so no short id can be mistaken for a long one.
 */
export function messageTurnWorkflowId(folder: string, chat: string, messageId: string): string {
  return turnWorkflowId(folder, messageKey(folder, chat, messageId));
}

/** A message's key within its group: the tail of its turn's id (the id alone in the short form). */
export function messageKey(folder: string, chat: string, messageId: string): string {
  return chat === `local:${folder}` && !messageId.includes('@') ? messageId : `${messageId}@${chat}`;
}

/** The folder named in a `group:`, `turn:` or `task:` id, or undefined for other ids. */
export function folderOfWorkflowId(id: string): string | undefined {
  const match = /^(?:group|turn|task):([^:]+)/.exec(id);
  return match?.[1];
}
