// Readable workflow ids: what a person types into the Web UI's search box.

export const groupWorkflowId = (folder: string) => `group:${folder}`;
export const turnWorkflowId = (folder: string, messageId: string) => `turn:${folder}:${messageId}`;
export const taskScheduleId = (folder: string, shortId: string) => `task:${folder}:${shortId}`;
export const voiceNoteWorkflowId = (folder: string, messageId: string) => `voice:${folder}:${messageId}`;

/** The folder named in a `group:`, `turn:` or `task:` id, or undefined for other ids. */
export function folderOfWorkflowId(id: string): string | undefined {
  const match = /^(?:group|turn|task):([^:]+)/.exec(id);
  return match?.[1];
}
