import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../lib/store/migrations.js';
import { SchemaTooNewError, Store } from '../../lib/store/store.js';

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'store-')), 'babybot.db');
const message = (id: string, text = 'hi') => ({ chat: 'local:main', id, sender: 'u', text, timestamp: new Date().toISOString() });

describe('the SQLite store', () => {
  it('migrates an empty file to the current schema, in WAL mode', () => {
    const file = tempFile();
    const store = Store.open(file);
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    // Read by a connection of its own: the store keeps its database to itself.
    const reader = new Database(file, { readonly: true });
    expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = reader.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => (r as { name: string }).name);
    expect(tables).toEqual(expect.arrayContaining(['chats', 'messages', 'groups', 'deliveries', 'whatsapp_auth']));
    reader.close();
    store.close();
  });

  it('re-opening is a no-op and keeps the data', () => {
    const file = tempFile();
    const first = Store.open(file);
    first.insertMessage(message('m1'));
    first.close();
    const second = Store.open(file);
    expect(second.schemaVersion).toBe(SCHEMA_VERSION);
    expect(second.messagesSince('local:main').map((m) => m.id)).toEqual(['m1']);
    second.close();
  });

  it('ignores a duplicate message id in the same chat, but not in another chat', () => {
    const store = Store.open(tempFile());
    expect(store.insertMessage(message('m1', 'first')).inserted).toBe(true);
    const again = store.insertMessage(message('m1', 'changed'));
    expect(again.inserted).toBe(false);
    expect(again.message.text).toBe('first');
    expect(store.insertMessage({ ...message('m1'), chat: 'local:other' }).inserted).toBe(true);
    expect(store.messagesSince('local:main')).toHaveLength(1);
    store.close();
  });

  it('refuses a database newer than the code, and leaves it unchanged', () => {
    const file = tempFile();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.exec('CREATE TABLE future (x)');
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => Store.open(file)).toThrow(SchemaTooNewError);
    expect(() => Store.open(file)).toThrow(/newer BabyBot: upgrade BabyBot, or point DATA_DIR elsewhere/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('registers local:main as the main group on first start, once', () => {
    const store = Store.open(tempFile());
    store.ensureMainGroup();
    store.ensureMainGroup();
    expect(store.listGroups()).toEqual([expect.objectContaining({ folder: 'main', jid: 'local:main', isMain: true, requiresTrigger: false })]);
    store.close();
  });

  it('records an assistant reply and its delivery together, once per key', () => {
    const store = Store.open(tempFile());
    const reply = { chat: 'local:main', id: 'r1', sender: 'assistant', text: 'hello', timestamp: new Date().toISOString() };
    expect(store.recordAssistantMessage('reply:turn:main:1', reply).alreadySent).toBe(false);
    expect(store.recordAssistantMessage('reply:turn:main:1', { ...reply, id: 'r2' }).alreadySent).toBe(true);
    expect(store.messagesSince('local:main').map((m) => m.id)).toEqual(['r1']);
    expect(store.delivery('reply:turn:main:1')?.status).toBe('sent');
    store.close();
  });

  it('keeps messages that were not handed to Temporal as pending until marked', () => {
    const store = Store.open(tempFile());
    store.insertMessage(message('p1'), 'pending');
    store.insertMessage(message('n1'), 'none');
    expect(store.pendingHandoffs().map((m) => m.id)).toEqual(['p1']);
    store.markHandedOff('local:main', 'p1');
    expect(store.pendingHandoffs()).toEqual([]);
    store.close();
  });
});
