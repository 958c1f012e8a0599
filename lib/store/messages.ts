// Chats, their messages and the messages' media: what the channels store and the turns read.
import { StoreDatabase } from './database.js';

export type Handoff = 'none' | 'pending' | 'done';

export interface NewMessage {
  chat: string;
  id: string;
  sender: string;
  senderName?: string;
  text: string;
  /** ISO 8601. */
  timestamp: string;
  fromAssistant?: boolean;
}

export interface StoredMessage extends Required<Omit<NewMessage, 'senderName'>> {
  seq: number;
  senderName: string | null;
  handoff: Handoff;
}

export type MediaKind = 'voice' | 'audio' | 'image' | 'video' | 'document' | 'sticker';

/** What a message carried besides its text; the file lives at `path` under the group's folder. */
export interface Media {
  kind: MediaKind;
  mime: string;
  /** Relative to the group's folder, e.g. media/<message id>.ogg; absent when nothing was saved. */
  path?: string;
  folder?: string;
  bytes?: number;
  fileName?: string;
  seconds?: number;
  width?: number;
  height?: number;
  status: 'saved' | 'failed' | 'too-large';
  error?: string;
  transcript?: string;
  language?: string;
}

export interface Chat {
  jid: string;
  name: string | null;
  channel: string;
  isGroup: boolean;
  lastMessageAt: string | null;
}

interface MessageRow {
  seq: number;
  chat: string;
  id: string;
  sender: string;
  sender_name: string | null;
  text: string;
  timestamp: string;
  from_assistant: number;
  handoff: Handoff;
}

interface MediaRow {
  kind: MediaKind;
  mime: string;
  path: string | null;
  folder: string | null;
  bytes: number | null;
  file_name: string | null;
  seconds: number | null;
  width: number | null;
  height: number | null;
  status: Media['status'];
  error: string | null;
  transcript: string | null;
  language: string | null;
}

const toMedia = (row: MediaRow): Media => {
  const media: Media = { kind: row.kind, mime: row.mime, status: row.status };
  const optional = {
    path: row.path,
    folder: row.folder,
    bytes: row.bytes,
    fileName: row.file_name,
    seconds: row.seconds,
    width: row.width,
    height: row.height,
    error: row.error,
    transcript: row.transcript,
    language: row.language,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== null) Object.assign(media, { [key]: value });
  return media;
};

const toMessage = (row: MessageRow): StoredMessage => ({
  seq: row.seq,
  chat: row.chat,
  id: row.id,
  sender: row.sender,
  senderName: row.sender_name,
  text: row.text,
  timestamp: row.timestamp,
  fromAssistant: row.from_assistant === 1,
  handoff: row.handoff,
});

export type MessageListener = (message: StoredMessage) => void;

export class MessageStore extends StoreDatabase {
  private readonly listeners = new Set<MessageListener>();
  /** Apart from new messages: a stored message whose text changed is no new message to count or answer. */
  private readonly updateListeners = new Set<MessageListener>();

  onMessage(listener: MessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected emit(message: StoredMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  /** Called with a stored message whose text changed afterwards (a voice note's transcript). */
  onMessageUpdated(listener: MessageListener): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  // ---- chats ----

  upsertChat(chat: { jid: string; name?: string | null; channel: string; isGroup?: boolean; lastMessageAt?: string }): void {
    this.db
      .prepare(
        `INSERT INTO chats (jid, name, channel, is_group, last_message_at) VALUES (@jid, @name, @channel, @isGroup, @lastMessageAt)
         ON CONFLICT (jid) DO UPDATE SET
           name = COALESCE(excluded.name, chats.name),
           last_message_at = COALESCE(excluded.last_message_at, chats.last_message_at)`,
      )
      .run({
        jid: chat.jid,
        name: chat.name ?? null,
        channel: chat.channel,
        isGroup: chat.isGroup ? 1 : 0,
        lastMessageAt: chat.lastMessageAt ?? null,
      });
  }

  listChats(): Chat[] {
    const rows = this.db.prepare('SELECT * FROM chats ORDER BY last_message_at DESC NULLS LAST, jid').all() as {
      jid: string;
      name: string | null;
      channel: string;
      is_group: number;
      last_message_at: string | null;
    }[];
    return rows.map((r) => ({ jid: r.jid, name: r.name, channel: r.channel, isGroup: r.is_group === 1, lastMessageAt: r.last_message_at }));
  }

  // ---- messages ----

  /**
   * Stores a message once per (chat, id). Returns the stored row and whether this call inserted it:
   * a duplicate delivery of the same message returns inserted=false and changes nothing.
   */
  insertMessage(message: NewMessage, handoff: Handoff = 'none', media?: Media): { inserted: boolean; message: StoredMessage } {
    // The message and its media row land together, so a crash never leaves one without the other.
    const result = this.db.transaction(() => {
      const inserted = this.insertMessageRow(message, handoff);
      if (inserted.changes > 0 && media) this.insertMedia(message.chat, message.id, media);
      return inserted;
    })();
    const stored = this.getMessage(message.chat, message.id)!;
    if (result.changes > 0) this.emit(stored);
    return { inserted: result.changes > 0, message: stored };
  }

  private insertMessageRow(message: NewMessage, handoff: Handoff) {
    return this.db
      .prepare(
        `INSERT INTO messages (chat, id, sender, sender_name, text, timestamp, from_assistant, handoff)
         VALUES (@chat, @id, @sender, @senderName, @text, @timestamp, @fromAssistant, @handoff)
         ON CONFLICT (chat, id) DO NOTHING`,
      )
      .run({
        chat: message.chat,
        id: message.id,
        sender: message.sender,
        senderName: message.senderName ?? null,
        text: message.text,
        timestamp: message.timestamp,
        fromAssistant: message.fromAssistant ? 1 : 0,
        handoff,
      });
  }

  protected insertMedia(chat: string, messageId: string, media: Media): void {
    this.db
      .prepare(
        `INSERT INTO media (chat, message_id, kind, mime, path, folder, bytes, file_name, seconds, width, height, status, error, transcript, language)
         VALUES (@chat, @messageId, @kind, @mime, @path, @folder, @bytes, @fileName, @seconds, @width, @height, @status, @error, @transcript, @language)
         ON CONFLICT (chat, message_id) DO NOTHING`,
      )
      .run({
        chat,
        messageId,
        kind: media.kind,
        mime: media.mime,
        path: media.path ?? null,
        folder: media.folder ?? null,
        bytes: media.bytes ?? null,
        fileName: media.fileName ?? null,
        seconds: media.seconds ?? null,
        width: media.width ?? null,
        height: media.height ?? null,
        status: media.status,
        error: media.error ?? null,
        transcript: media.transcript ?? null,
        language: media.language ?? null,
      });
  }

  media(chat: string, messageId: string): Media | undefined {
    const row = this.db.prepare('SELECT * FROM media WHERE chat = ? AND message_id = ?').get(chat, messageId) as MediaRow | undefined;
    return row && toMedia(row);
  }

  /**
   * What a group's members brought in since `sinceIso` (by the messages' timestamps): files
   * downloaded or tried (saved or failed) and the bytes saved. The media allowance reads it,
   * so the limits hold across restarts without any counter of its own.
   */
  mediaSince(folder: string, sinceIso: string): { files: number; bytes: number } {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS files, COALESCE(SUM(CASE WHEN m.status = 'saved' THEN m.bytes END), 0) AS bytes
         FROM media m JOIN messages g ON g.chat = m.chat AND g.id = m.message_id
         WHERE m.folder = ? AND m.status IN ('saved', 'failed') AND g.from_assistant = 0 AND g.timestamp >= ?`,
      )
      .get(folder, sinceIso) as { files: number; bytes: number };
    return { files: row.files, bytes: row.bytes };
  }

  /**
   * A voice note's transcript (or the placeholder that stands for it) becomes the message's
   * text, in one transaction with the media row, so the next turn reads it as words.
   */
  setTranscript(chat: string, messageId: string, text: string, transcript: string, language?: string): StoredMessage | undefined {
    this.db.transaction(() => {
      this.db.prepare('UPDATE messages SET text = ? WHERE chat = ? AND id = ?').run(text, chat, messageId);
      this.db
        .prepare('UPDATE media SET transcript = ?, language = ? WHERE chat = ? AND message_id = ?')
        .run(transcript, language ?? null, chat, messageId);
    })();
    const updated = this.getMessage(chat, messageId);
    if (updated) for (const listener of this.updateListeners) listener(updated);
    return updated;
  }

  /** Marks a stored message as waiting to be handed to its group's workflow again (after a transcription). */
  markPending(chat: string, id: string): void {
    this.db.prepare(`UPDATE messages SET handoff = 'pending' WHERE chat = ? AND id = ?`).run(chat, id);
  }

  getMessage(chat: string, id: string): StoredMessage | undefined {
    const row = this.db.prepare('SELECT * FROM messages WHERE chat = ? AND id = ?').get(chat, id) as MessageRow | undefined;
    return row && toMessage(row);
  }

  markHandedOff(chat: string, id: string): void {
    this.db.prepare(`UPDATE messages SET handoff = 'done' WHERE chat = ? AND id = ? AND handoff = 'pending'`).run(chat, id);
  }

  /** Messages stored for the assistant but never handed to Temporal (a crash in between), oldest first. */
  pendingHandoffs(): StoredMessage[] {
    const rows = this.db.prepare(`SELECT * FROM messages WHERE handoff = 'pending' ORDER BY seq`).all() as MessageRow[];
    return rows.map(toMessage);
  }

  /** The chat's messages after the cursor `sinceSeq`, oldest first. Sequence numbers, not clocks, are read positions. */
  messagesSince(chat: string, sinceSeq = 0, limit = 500): StoredMessage[] {
    const rows = this.db
      .prepare('SELECT * FROM messages WHERE chat = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(chat, sinceSeq, limit) as MessageRow[];
    return rows.map(toMessage);
  }

  /**
   * The chat's recent messages after `afterSeq` up to and including `uptoSeq`, oldest first:
   * at least `limit` (all there are, if fewer) and fewer than `limit + stride`, from a first
   * message that moves forward only every `stride` messages. A window that slid by one message
   * a turn would start each prompt's history with a message the previous prompt did not have
   * there, so Ollama would read the whole history again on every turn of a long chat; this
   * one keeps the previous turn's prompt as the prefix of the next, and is read anew only
   * when it moves.
   */
  recentMessages(chat: string, limit: number, stride: number, uptoSeq = Number.MAX_SAFE_INTEGER, afterSeq = 0): StoredMessage[] {
    const { total } = this.db
      .prepare('SELECT COUNT(*) AS total FROM messages WHERE chat = ? AND seq <= ? AND seq > ?')
      .get(chat, uptoSeq, afterSeq) as { total: number };
    const skipped = total <= limit ? 0 : Math.floor((total - limit) / stride) * stride;
    const rows = this.db
      .prepare('SELECT * FROM messages WHERE chat = ? AND seq <= ? AND seq > ? ORDER BY seq DESC LIMIT ?')
      .all(chat, uptoSeq, afterSeq, total - skipped) as MessageRow[];
    return rows.reverse().map(toMessage);
  }
}
