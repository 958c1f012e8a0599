// Baileys' auth state (credentials and Signal keys) kept in BabyBot's SQLite store,
// serialised with Baileys' own BufferJSON. Baileys' multi-file helper is not for
// production (its docs say so): one file per key, no atomicity. Here every key update
// Baileys makes lands in one transaction, so a crash mid-update never leaves half of it.
import type { Store } from '../../lib/store/store.js';
import {
  BufferJSON,
  initAuthCreds,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
} from './baileys.js';

const CREDS_KEY = 'creds';
const keyOf = (type: string, id: string) => `key:${type}:${id}`;

export interface StoredAuthState {
  state: AuthenticationState;
  /** Writes the credentials (call on every 'creds.update'). */
  saveCreds(): void;
}

/** Linked once a scan (or pairing code) gave the credentials an account. */
export function isLinked(store: Store): boolean {
  return linkedAccount(store) !== undefined;
}

/** The linked account's own jid (`NUMBER@s.whatsapp.net` with a device suffix), if linked. */
export function linkedAccount(store: Store): { id: string; name?: string } | undefined {
  return loadCreds(store)?.me ?? undefined;
}

function loadCreds(store: Store): AuthenticationCreds | undefined {
  const raw = store.authGet(CREDS_KEY);
  return raw === undefined ? undefined : (JSON.parse(raw, BufferJSON.reviver) as AuthenticationCreds);
}

/** The auth state Baileys' socket takes; fresh credentials when nothing is stored yet. */
export function sqliteAuthState(store: Store): StoredAuthState {
  const creds = loadCreds(store) ?? initAuthCreds();
  const state: AuthenticationState = {
    creds,
    keys: {
      async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
        const found: { [id: string]: SignalDataTypeMap[T] } = {};
        for (const id of ids) {
          const raw = store.authGet(keyOf(type, id));
          if (raw === undefined) continue;
          let value = JSON.parse(raw, BufferJSON.reviver);
          // Baileys expects this one as its protobuf class, not a plain object.
          if (type === 'app-state-sync-key') value = proto.Message.AppStateSyncKeyData.fromObject(value);
          found[id] = value as SignalDataTypeMap[T];
        }
        return found;
      },
      async set(data: SignalDataSet) {
        const entries: Record<string, string | null> = {};
        for (const [type, values] of Object.entries(data)) {
          for (const [id, value] of Object.entries(values ?? {})) {
            entries[keyOf(type, id)] = value ? JSON.stringify(value, BufferJSON.replacer) : null;
          }
        }
        store.authSetMany(entries);
      },
    },
  };
  return {
    state,
    saveCreds: () => store.authSetMany({ [CREDS_KEY]: JSON.stringify(state.creds, BufferJSON.replacer) }),
  };
}
