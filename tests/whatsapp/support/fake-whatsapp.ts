// WhatsApp's servers' stand-in: sockets with the shape of Baileys' socket that emit
// Baileys' own events carrying Baileys' own protobuf objects (proto.WebMessageInfo) and
// its own disconnect errors (Boom with DisconnectReason codes). Nothing else is faked.
import { EventEmitter } from 'node:events';
import { Boom } from '@hapi/boom';
import { proto, type WAMessage, type WAMessageContent } from '../../../channel/whatsapp/baileys.js';
import type { SocketFactory, SocketOptions, WhatsAppSocket } from '../../../channel/whatsapp/socket.js';

export const OWNER = { id: '447700900001:7@s.whatsapp.net', lid: '123456789012345:7@lid', name: 'Owner' };
export const OWNER_JID = '447700900001@s.whatsapp.net';

export interface SentMessage {
  jid: string;
  text: string;
  messageId: string;
}

export class FakeSocket {
  readonly ev = new EventEmitter();
  /** The socket's frames, as Baileys' own `ws` emits them: the server's acks arrive here. */
  readonly ws = new EventEmitter();
  /** What was written to the socket (a frame lost on the way is still written). */
  readonly sent: SentMessage[] = [];
  /** What WhatsApp's server took, by message id: the same id sent again is kept once, as WhatsApp does. */
  readonly received = new Map<string, SentMessage>();
  /** The next frame is written but never reaches the server (the connection drops under it): no ack. */
  loseNextFrame = false;
  /** The server's ack of a message comes this much later (ms). */
  ackDelayMs = 0;
  readonly presence: { type: string; jid?: string }[] = [];
  user: typeof OWNER | undefined = OWNER;
  ended = false;
  loggedOut = false;
  /** Make the next sendMessage fail as Baileys does when the socket drops mid-send. */
  failNextSend = false;

  constructor(readonly options: SocketOptions) {}

  async sendMessage(jid: string, content: { text: string }, options: { messageId: string }) {
    if (this.ended || this.failNextSend) {
      this.failNextSend = false;
      throw new Boom('Connection Closed', { statusCode: 428 });
    }
    const sent = { jid, text: content.text, messageId: options.messageId };
    this.sent.push(sent);
    if (this.loseNextFrame) this.loseNextFrame = false;
    else {
      this.received.set(options.messageId, this.received.get(options.messageId) ?? sent);
      // The server acknowledges each message it takes with an <ack class="message"> node.
      const ack = { tag: 'ack', attrs: { class: 'message', id: options.messageId, from: jid, t: String(Math.floor(Date.now() / 1000)) } };
      setTimeout(() => this.ws.emit('CB:ack,class:message', ack), this.ackDelayMs);
    }
    // Baileys emits the socket's own sends back as an 'append' upsert.
    const echo = message({ remoteJid: jid, fromMe: true, id: options.messageId }, { conversation: content.text });
    setImmediate(() => this.ev.emit('messages.upsert', { messages: [echo], type: 'append' }));
    return echo;
  }

  async sendPresenceUpdate(type: string, jid?: string) {
    this.presence.push({ type, jid });
  }

  async groupFetchAllParticipating() {
    return {};
  }

  async requestPairingCode() {
    return 'ABCD1234';
  }

  end() {
    this.ended = true;
  }

  async logout() {
    this.loggedOut = true;
  }

  // ---- what the server does ----

  open() {
    this.ev.emit('connection.update', { connection: 'open' });
  }

  close(statusCode: number, text = 'Connection Failure') {
    this.ended = true;
    this.ev.emit('connection.update', {
      connection: 'close',
      lastDisconnect: { error: new Boom(text, { statusCode }), date: new Date() },
    });
  }

  deliver(messages: WAMessage[], type: 'notify' | 'append' = 'notify') {
    this.ev.emit('messages.upsert', { messages, type });
  }

  emit(event: string, payload: unknown) {
    this.ev.emit(event, payload);
  }
}

/** The socket factory tests hand to the adapter: records every socket it makes. */
export class FakeWhatsApp {
  readonly sockets: FakeSocket[] = [];
  private waiters: (() => void)[] = [];
  /** Called on each new socket (e.g. to open it at once). */
  onSocket?: (socket: FakeSocket) => void;

  readonly factory: SocketFactory = async (options) => {
    const socket = new FakeSocket(options);
    this.sockets.push(socket);
    for (const wake of this.waiters.splice(0)) wake();
    this.onSocket?.(socket);
    return socket as unknown as WhatsAppSocket;
  };

  get current(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('No socket was made yet');
    return socket;
  }

  /** Waits until the adapter has made `count` sockets in all. */
  async socketCount(count: number, timeoutMs = 10_000): Promise<FakeSocket> {
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.length < count) {
      if (Date.now() > deadline) throw new Error(`Expected ${count} sockets within ${timeoutMs}ms, got ${this.sockets.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.sockets[count - 1];
  }

  get allSent(): SentMessage[] {
    return this.sockets.flatMap((s) => s.sent);
  }

  /** What recipients see: every message the server took, once per message id, across connections. */
  get delivered(): SentMessage[] {
    const byId = new Map<string, SentMessage>();
    for (const socket of this.sockets) for (const [id, sent] of socket.received) if (!byId.has(id)) byId.set(id, sent);
    return [...byId.values()];
  }
}

let counter = 0;

/** A message as Baileys hands it over: a real proto.WebMessageInfo. */
export function message(
  key: { remoteJid: string; fromMe?: boolean; id?: string; participant?: string },
  content: WAMessageContent,
  extra: { pushName?: string; timestamp?: number } = {},
): WAMessage {
  return proto.WebMessageInfo.fromObject({
    key: { fromMe: false, id: `3EB0${(++counter).toString(16).toUpperCase().padStart(12, '0')}`, ...key },
    message: content,
    messageTimestamp: extra.timestamp ?? Math.floor(Date.now() / 1000),
    ...(extra.pushName ? { pushName: extra.pushName } : {}),
  }) as WAMessage;
}
