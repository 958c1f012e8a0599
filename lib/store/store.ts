// The SQLite store: chats, messages, registered groups, the delivery log and the
// WhatsApp auth state. One Store per process; everything that needs it is handed it.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

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

export interface Group {
  folder: string;
  jid: string;
  name: string;
  /** The word that calls the assistant in this group, without the @; null means the assistant's name. */
  triggerWord: string | null;
  requiresTrigger: boolean;
  isMain: boolean;
  /** Per-group sandbox overrides (memory, cpus, pids…), validated where they are used. */
  sandbox: Record<string, unknown>;
  addedAt: string;
}

export interface Chat {
  jid: string;
  name: string | null;
  channel: string;
  isGroup: boolean;
  lastMessageAt: string | null;
}

export class SchemaTooNewError extends Error {
  constructor(file: string, found: number) {
    super(
      `The database ${file} has schema version ${found}, but this BabyBot understands up to ${SCHEMA_VERSION}. ` +
        'It was written by a newer BabyBot: upgrade BabyBot, or point DATA_DIR elsewhere. The file was not changed.',
    );
    this.name = 'SchemaTooNewError';
  }
}

type MessageListener = (message: StoredMessage) => void;

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

interface GroupRow {
  folder: string;
  jid: string;
  name: string;
  trigger_word: string | null;
  requires_trigger: number;
  is_main: number;
  sandbox: string;
  added_at: string;
}

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

const toGroup = (row: GroupRow): Group => ({
  folder: row.folder,
  jid: row.jid,
  name: row.name,
  triggerWord: row.trigger_word,
  requiresTrigger: row.requires_trigger === 1,
  isMain: row.is_main === 1,
  sandbox: JSON.parse(row.sandbox) as Record<string, unknown>,
  addedAt: row.added_at,
});

export class Store {
  readonly db: Database.Database;
  private readonly listeners = new Set<MessageListener>();
  /** Apart from new messages: a stored message whose text changed is no new message to count or answer. */
  private readonly updateListeners = new Set<MessageListener>();

  /** The store of a BabyBot installation: babybot.db in its data folder (DATA_DIR). */
  static openIn(dataDir: string): Store {
    return Store.open(path.join(dataDir, 'babybot.db'));
  }

  /** Opens (creating if needed) the store at file and brings its schema up to date. */
  static open(file: string): Store {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const db = new Database(file);
    // Every chat and the WhatsApp session keys: the owner's alone. SQLite gives its WAL and
    // shared-memory files the database file's mode.
    fs.chmodSync(file, 0o600);
    return new Store(db, file);
  }

  private constructor(db: Database.Database, readonly file: string) {
    this.db = db;
    db.pragma('busy_timeout = 5000');
    // Refuse a newer schema before anything writes to the file (even switching it to WAL).
    if (this.schemaVersion > SCHEMA_VERSION) {
      const found = this.schemaVersion;
      db.close();
      throw new SchemaTooNewError(file, found);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    this.migrate();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    for (let version = this.schemaVersion; version < SCHEMA_VERSION; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version]);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  onMessage(listener: MessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(message: StoredMessage): void {
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

  private insertMedia(chat: string, messageId: string, media: Media): void {
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

  /** The last `limit` messages of the chat up to and including `uptoSeq`, oldest first. */
  recentMessages(chat: string, limit: number, uptoSeq = Number.MAX_SAFE_INTEGER): StoredMessage[] {
    const rows = this.db
      .prepare('SELECT * FROM messages WHERE chat = ? AND seq <= ? ORDER BY seq DESC LIMIT ?')
      .all(chat, uptoSeq, limit) as MessageRow[];
    return rows.reverse().map(toMessage);
  }

  // ---- groups ----

  addGroup(group: Omit<Group, 'addedAt' | 'sandbox'> & { sandbox?: Record<string, unknown> }): Group {
    this.db
      .prepare(
        `INSERT INTO groups (folder, jid, name, trigger_word, requires_trigger, is_main, sandbox, added_at)
         VALUES (@folder, @jid, @name, @triggerWord, @requiresTrigger, @isMain, @sandbox, @addedAt)`,
      )
      .run({
        folder: group.folder,
        jid: group.jid,
        name: group.name,
        triggerWord: group.triggerWord,
        requiresTrigger: group.requiresTrigger ? 1 : 0,
        isMain: group.isMain ? 1 : 0,
        sandbox: JSON.stringify(group.sandbox ?? {}),
        addedAt: new Date().toISOString(),
      });
    return this.groupByFolder(group.folder)!;
  }

  removeGroup(folder: string): boolean {
    return this.db.prepare('DELETE FROM groups WHERE folder = ?').run(folder).changes > 0;
  }

  groupByFolder(folder: string): Group | undefined {
    const row = this.db.prepare('SELECT * FROM groups WHERE folder = ?').get(folder) as GroupRow | undefined;
    return row && toGroup(row);
  }

  groupByJid(jid: string): Group | undefined {
    const row = this.db.prepare('SELECT * FROM groups WHERE jid = ?').get(jid) as GroupRow | undefined;
    return row && toGroup(row);
  }

  listGroups(): Group[] {
    return (this.db.prepare('SELECT * FROM groups ORDER BY is_main DESC, folder').all() as GroupRow[]).map(toGroup);
  }

  /** On first start, `local:main` becomes the main group so a fresh install can be talked to at once. */
  ensureMainGroup(): void {
    if (this.listGroups().some((g) => g.isMain)) return;
    this.upsertChat({ jid: 'local:main', name: 'main', channel: 'local' });
    this.addGroup({ folder: 'main', jid: 'local:main', name: 'main', triggerWord: null, requiresTrigger: false, isMain: true });
  }

  // ---- deliveries ----

  delivery(key: string): { key: string; chat: string; messageId: string; status: 'sending' | 'sent' } | undefined {
    const row = this.db.prepare('SELECT key, chat, message_id, status FROM deliveries WHERE key = ?').get(key) as
      | { key: string; chat: string; message_id: string; status: 'sending' | 'sent' }
      | undefined;
    return row && { key: row.key, chat: row.chat, messageId: row.message_id, status: row.status };
  }

  /** The delivery that sent (or is sending) the message with this id: BabyBot's own message. */
  deliveryByMessageId(messageId: string): { key: string; chat: string; status: 'sending' | 'sent' } | undefined {
    return this.db.prepare('SELECT key, chat, status FROM deliveries WHERE message_id = ? LIMIT 1').get(messageId) as
      | { key: string; chat: string; status: 'sending' | 'sent' }
      | undefined;
  }

  recordDelivery(key: string, chat: string, messageId: string, status: 'sending' | 'sent'): void {
    this.db
      .prepare(
        `INSERT INTO deliveries (key, chat, message_id, status, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET status = excluded.status, message_id = excluded.message_id, updated_at = excluded.updated_at`,
      )
      .run(key, chat, messageId, status, new Date().toISOString());
  }

  /**
   * Stores the assistant's reply and its delivery record in one transaction, so a retried
   * delivery (after a crash between the two) finds it sent and stores nothing twice.
   */
  recordAssistantMessage(key: string, message: NewMessage, media?: Media): { alreadySent: boolean; message: StoredMessage } {
    let stored: StoredMessage | undefined;
    let alreadySent = false;
    this.db.transaction(() => {
      const existing = this.delivery(key);
      if (existing?.status === 'sent') {
        alreadySent = true;
        stored = this.getMessage(existing.chat, existing.messageId);
        return;
      }
      this.db
        .prepare(
          `INSERT INTO messages (chat, id, sender, sender_name, text, timestamp, from_assistant, handoff)
           VALUES (?, ?, ?, ?, ?, ?, 1, 'none') ON CONFLICT (chat, id) DO NOTHING`,
        )
        .run(message.chat, message.id, message.sender, message.senderName ?? null, message.text, message.timestamp);
      if (media) this.insertMedia(message.chat, message.id, media);
      this.recordDelivery(key, message.chat, message.id, 'sent');
      stored = this.getMessage(message.chat, message.id);
    })();
    if (!alreadySent && stored) this.emit(stored);
    return { alreadySent, message: stored! };
  }

  // ---- WhatsApp auth state ----

  authGet(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM whatsapp_auth WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Writes a batch of auth keys atomically: Baileys' key updates must land all or nothing. */
  authSetMany(entries: Record<string, string | null>): void {
    const upsert = this.db.prepare(
      'INSERT INTO whatsapp_auth (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    const remove = this.db.prepare('DELETE FROM whatsapp_auth WHERE key = ?');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(entries)) {
        if (value === null) remove.run(key);
        else upsert.run(key, value);
      }
    })();
  }

  authClear(): void {
    this.db.prepare('DELETE FROM whatsapp_auth').run();
  }
}
