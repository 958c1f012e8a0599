// What the adapter needs of a WhatsApp socket, and the factory that makes one. Production
// passes Baileys' makeWASocket; tests pass an object of the same shape that emits Baileys'
// own events and protobuf objects, so the adapter runs unchanged without a network.
import type { Logger } from '../../lib/logger.js';
import {
  Browsers,
  fetchLatestBaileysVersion,
  makeCacheableSignalKeyStore,
  makeWASocket,
  type AuthenticationState,
  type BaileysEventMap,
  type BinaryNode,
  type WASocket,
} from './baileys.js';

/** The part of Baileys' socket BabyBot uses: the event emitter and a handful of calls. */
export type WhatsAppSocket = Pick<
  WASocket,
  'sendMessage' | 'sendPresenceUpdate' | 'groupFetchAllParticipating' | 'end' | 'logout' | 'requestPairingCode' | 'user'
> &
  // Asks the phone to upload a media file again when its URL has expired (Baileys' sockets have it).
  Partial<Pick<WASocket, 'updateMediaMessage'>> & {
  ev: {
    on<E extends keyof BaileysEventMap>(event: E, listener: (arg: BaileysEventMap[E]) => void): void;
    off<E extends keyof BaileysEventMap>(event: E, listener: (arg: BaileysEventMap[E]) => void): void;
  };
  /** The socket's frames: `CB:ack,class:message` is WhatsApp's server acknowledging a message BabyBot sent. */
  ws: {
    on(event: string, listener: (node: BinaryNode) => void): unknown;
    once?(event: 'error', listener: (error: Error) => void): unknown;
    off(event: string, listener: (node: BinaryNode) => void): unknown;
  };
};

export interface SocketOptions {
  auth: AuthenticationState;
  log: Logger;
  /** Where to connect; WhatsApp's own server unless set (tests point it at a closed port). */
  webSocketUrl?: string;
  /** Baileys asks for the text of a message it sent when a recipient needs it re-encrypted. */
  getMessage: (key: { remoteJid?: string | null; id?: string | null }) => Promise<{ conversation: string } | undefined>;
}

export type SocketFactory = (options: SocketOptions) => Promise<WhatsAppSocket>;

export const baileysSocketFactory: SocketFactory = async (options) => {
  // Baileys logs every frame at info; keep it to warnings unless BabyBot itself is verbose.
  const verbose = options.log.level === 'debug' || options.log.level === 'trace';
  const log = options.log.child({ component: 'baileys' }, { level: verbose ? options.log.level : 'warn' });
  // WhatsApp refuses clients that are too old; ask for the current version, and fall back
  // to the one Baileys ships with when the lookup cannot be made (offline machines).
  const { version } = await fetchLatestBaileysVersion({ timeout: 5000 });
  return makeWASocket({
    version,
    auth: { creds: options.auth.creds, keys: makeCacheableSignalKeyStore(options.auth.keys, log) },
    logger: log,
    browser: Browsers.appropriate('BabyBot'),
    // Stay "offline" so the phone keeps showing notifications for the owner's chats.
    markOnlineOnConnect: false,
    syncFullHistory: false,
    connectTimeoutMs: 20_000,
    ...(options.webSocketUrl ? { waWebSocketUrl: options.webSocketUrl } : {}),
    getMessage: async (key) => (await options.getMessage(key)) ?? undefined,
  });
};

/**
 * Ends a socket, also one still connecting. Baileys' `end` removes the socket's error
 * listeners and then closes it; a WebSocket closed during its handshake reports "closed
 * before the connection was established" as an `error` event on the next tick, which,
 * with no listener left, would crash the process (seen when BabyBot stopped while
 * WhatsApp was unreachable). The socket is being thrown away, so that error is expected.
 */
export function endSocket(socket: WhatsAppSocket): void {
  socket.end(undefined);
  socket.ws.once?.('error', () => {});
}
