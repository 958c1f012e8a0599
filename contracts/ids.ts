// Readable workflow ids: what a person types into the Web UI's search box.
import { boundUtf8, utf8Bytes } from './bytes.js';

export const groupWorkflowId = (folder: string) => `group:${folder}`;
/** A turn that answers no message (a task's run: `task-<firing>`), or the short form below. */
export const turnWorkflowId = (folder: string, messageId: string) => `turn:${folder}:${messageId}`;
export const taskScheduleId = (folder: string, shortId: string) => `task:${folder}:${shortId}`;
/**
 * A sub-agent of a turn: `agent:<folder>:<the turn's key>:<n>`, n counting the turn's
 * sub-agents from 1; a sub-agent's own sub-agents (when AGENT_DEPTH allows) add `.<m>`.
 */
export const agentWorkflowId = (folder: string, turnKey: string, n: string) => `agent:${folder}:${turnKey}:${n}`;
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
  const key = chat === `local:${folder}` && !messageId.includes('@') ? messageId : `${messageId}@${chat}`;
  // A sender's client chooses the id, and the server refuses a workflow id over 1000 bytes
  // (failing the group's workflow task for ever): a long key keeps its start and a hash.
  return utf8Bytes(key) <= KEY_MAX_BYTES ? key : `${boundUtf8(key, 100, () => '')}…${fnv1a(key)}`;
}

/** Room for `turn:<folder>:` (46 bytes at most) within Temporal's 1000-byte workflow id. */
const KEY_MAX_BYTES = 600;

/** FNV-1a, 2 × 32 bits, as hex: a stable name for a long key (workflow code has no crypto, and needs none here). */
function fnv1a(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The folder named in a `group:`, `turn:`, `task:` or `agent:` id, or undefined for other ids. */
export function folderOfWorkflowId(id: string): string | undefined {
  const match = /^(?:group|turn|task|agent):([^:]+)/.exec(id);
  return match?.[1];
}
