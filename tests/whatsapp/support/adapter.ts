// A WhatsAppChannel on a real SQLite store in a temp folder, driven by the fake sockets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BufferJSON, initAuthCreds } from '../../../channel/whatsapp/baileys.js';
import type { IncomingMessage } from '../../../channel/inbound.js';
import { WhatsAppChannel, type WhatsAppChannelDeps } from '../../../channel/whatsapp/whatsapp-channel.js';
import { createLogger } from '../../../lib/logger.js';
import { Store } from '../../../lib/store/store.js';
import { FakeWhatsApp, OWNER } from './fake-whatsapp.js';

export function tempStore(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-wa-'))): Store {
  return Store.open(path.join(dir, 'babybot.db'));
}

/** Stores credentials as a finished link leaves them (an account in `me`). */
export function storeLinkedCreds(store: Store): void {
  const creds = { ...initAuthCreds(), me: { id: OWNER.id, name: OWNER.name }, registered: true };
  store.authSetMany({ creds: JSON.stringify(creds, BufferJSON.replacer) });
}

/** A fresh installation folder whose store is already linked, as after `babybot whatsapp link`. */
export function linkedInstallation(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const store = Store.open(path.join(dir, 'data', 'babybot.db'));
  storeLinkedCreds(store);
  store.close();
  return dir;
}

export function startAdapter(overrides: Partial<WhatsAppChannelDeps> = {}) {
  const store = overrides.store ?? tempStore();
  storeLinkedCreds(store);
  const whatsapp = new FakeWhatsApp();
  const received: IncomingMessage[] = [];
  const channel = new WhatsAppChannel({
    store,
    log: createLogger('silent'),
    socketFactory: whatsapp.factory,
    ...overrides,
  });
  channel.start(async (m) => received.push(m));
  return { store, whatsapp, channel, received };
}

export const settle = () => new Promise((r) => setTimeout(r, 30));
