// The one place that imports Baileys. It is a CommonJS package whose `proto` and a few
// other exports are invisible to Node's ESM named-import detection, so everything is read
// from the default export here and the rest of BabyBot imports from this file.
import baileys from '@whiskeysockets/baileys';

export type {
  AuthenticationCreds,
  AuthenticationState,
  BaileysEventMap,
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
} = baileys;
