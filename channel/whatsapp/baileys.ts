// The one place that loads Baileys. It is a CommonJS package whose `proto` and a few
// other exports are invisible to Node's ESM named-import detection, and whose default
// export means different things to Node and to vitest's loader; `require` gives the same
// module object to both. The rest of BabyBot imports from this file.
import { createRequire } from 'node:module';

const baileys = createRequire(import.meta.url)('@whiskeysockets/baileys') as typeof import('@whiskeysockets/baileys');

export type {
  AuthenticationCreds,
  AuthenticationState,
  BaileysEventMap,
  BinaryNode,
  ConnectionState,
  GroupMetadata,
  SignalDataSet,
  SignalDataTypeMap,
  SignalKeyStore,
  WAMessage,
  WAMessageContent,
  WASocket,
} from '@whiskeysockets/baileys';
import type { proto as protoTypes } from '@whiskeysockets/baileys';

export type WAContextInfo = protoTypes.IContextInfo;

export const {
  proto,
  makeWASocket,
  DisconnectReason,
  BufferJSON,
  initAuthCreds,
  jidNormalizedUser,
  isJidGroup,
  isJidStatusBroadcast,
  makeCacheableSignalKeyStore,
  normalizeMessageContent,
  fetchLatestBaileysVersion,
  Browsers,
  downloadContentFromMessage,
  // How WhatsApp's clients encrypt media for its media servers (the tests' media server holds such bytes).
  encryptedStream,
} = baileys;
