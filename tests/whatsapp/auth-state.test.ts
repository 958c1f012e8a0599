import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLinked, sqliteAuthState } from '../../channel/whatsapp/auth-state.js';
import { proto } from '../../channel/whatsapp/baileys.js';
import { WhatsAppChannel } from '../../channel/whatsapp/whatsapp-channel.js';
import { createLogger } from '../../lib/logger.js';
import { Store } from '../../lib/store/store.js';
import { FakeWhatsApp, OWNER } from './support/fake-whatsapp.js';

const dbIn = (dir: string) => path.join(dir, 'babybot.db');

describe('WhatsApp auth state in SQLite', () => {
  it('round-trips credentials and Signal keys (Buffers, protobuf classes) through the store, across a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-auth-'));
    const first = Store.open(dbIn(dir));
    const auth = sqliteAuthState(first);
    expect(isLinked(first)).toBe(false);
    // What Baileys does during a link: fills in the account, then emits creds.update.
    auth.state.creds.me = { id: OWNER.id, name: OWNER.name };
    auth.saveCreds();
    await auth.state.keys.set({
      'pre-key': { '1': { public: Buffer.from([1, 2, 3]), private: Buffer.from([4, 5, 6]) }, '2': { public: Buffer.from([7]), private: Buffer.from([8]) } },
      session: { 'a.0': Buffer.from('session-bytes') as unknown as Uint8Array },
      'app-state-sync-key': { K1: proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.from([9, 9]), timestamp: 42 }) },
    });
    const noiseKey = Buffer.from(auth.state.creds.noiseKey.private);
    first.close();

    const second = Store.open(dbIn(dir));
    expect(isLinked(second)).toBe(true);
    const again = sqliteAuthState(second);
    expect(again.state.creds.me?.id).toBe(OWNER.id);
    expect(Buffer.isBuffer(again.state.creds.noiseKey.private)).toBe(true);
    expect(Buffer.from(again.state.creds.noiseKey.private).equals(noiseKey)).toBe(true);
    const preKeys = await again.state.keys.get('pre-key', ['1', '2', '3']);
    expect(Object.keys(preKeys)).toEqual(['1', '2']);
    expect(Buffer.from(preKeys['1'].private).equals(Buffer.from([4, 5, 6]))).toBe(true);
    const syncKeys = await again.state.keys.get('app-state-sync-key', ['K1']);
    expect(syncKeys.K1).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(syncKeys.K1.keyData!).equals(Buffer.from([9, 9]))).toBe(true);

    // Baileys deletes keys by setting them to null; the whole batch lands in one transaction.
    await again.state.keys.set({ 'pre-key': { '1': null, '2': null } });
    expect(await again.state.keys.get('pre-key', ['1', '2'])).toEqual({});
    second.close();
  });

  it('writes a batch all or nothing: a value that cannot be serialised leaves the earlier ones unwritten', async () => {
    const store = Store.open(dbIn(fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-auth-'))));
    const auth = sqliteAuthState(store);
    const bad = { toJSON: () => { throw new Error('cannot serialise'); } };
    await expect(
      auth.state.keys.set({ session: { ok: Buffer.from('fine') as unknown as Uint8Array, broken: bad as unknown as Uint8Array } }),
    ).rejects.toThrow('cannot serialise');
    expect(await auth.state.keys.get('session', ['ok', 'broken'])).toEqual({});
    store.close();
  });

  it('a restarted adapter connects with the stored credentials, never asking for a new link', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-auth-'));
    const store = Store.open(dbIn(dir));
    const auth = sqliteAuthState(store);
    auth.state.creds.me = { id: OWNER.id, name: OWNER.name };
    auth.saveCreds();
    store.close();

    const reopened = Store.open(dbIn(dir));
    const whatsapp = new FakeWhatsApp();
    const channel = new WhatsAppChannel({ store: reopened, log: createLogger('silent'), socketFactory: whatsapp.factory });
    channel.start(async () => {});
    const socket = await whatsapp.socketCount(1);
    expect(socket.options.auth.creds.me?.id).toBe(OWNER.id);
    expect(Buffer.from(socket.options.auth.creds.noiseKey.private).equals(Buffer.from(auth.state.creds.noiseKey.private))).toBe(true);
    // A creds.update from Baileys is persisted at once.
    socket.options.auth.creds.accountSyncCounter = 7;
    socket.emit('creds.update', { accountSyncCounter: 7 });
    expect(sqliteAuthState(reopened).state.creds.accountSyncCounter).toBe(7);
    socket.open();
    expect(channel.health()).toMatchObject({ status: 'open', ok: true });
    await channel.stop();
    reopened.close();
  });

  it('an unlinked store makes the adapter report not-linked without connecting', async () => {
    const store = Store.open(dbIn(fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-auth-'))));
    const whatsapp = new FakeWhatsApp();
    const channel = new WhatsAppChannel({ store, log: createLogger('silent'), socketFactory: whatsapp.factory });
    channel.start(async () => {});
    expect(whatsapp.sockets).toHaveLength(0);
    expect(channel.health()).toMatchObject({ status: 'not-linked', ok: false });
    expect(channel.health().detail).toContain('babybot whatsapp link');
    store.close();
  });
});
