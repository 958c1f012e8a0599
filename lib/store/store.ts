// The SQLite store: chats, messages, registered groups, the delivery log and the
// WhatsApp auth state, one file per feature that owns its tables (messages.ts, groups.ts,
// deliveries.ts, whatsapp-auth.ts, channel-state.ts) over database.ts. One Store per process; everything
// that needs it is handed it.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AgentStore } from './agents.js';

export { SchemaTooNewError } from './database.js';
export type { Group } from './groups.js';
export type { GroupSettings } from './group-settings.js';
export type { Approval, ApprovalStatus } from './approvals.js';
export type { AgentRow, NewAgent } from './agents.js';
export type { Chat, Handoff, Media, MediaKind, NewMessage, StoredMessage } from './messages.js';

export class Store extends AgentStore {
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
}
