// The local channel: a web chat page and a small JSON API on 127.0.0.1, so BabyBot can be
// tried without a phone, and the terminal chat and the tests talk to it the same way.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Store, StoredMessage } from '../lib/store/store.js';
import { checkRequest, type GuardSettings } from '../lib/http-guard.js';
import type { Inbound } from './inbound.js';
import { localChat, localChatName } from '../contracts/chat-ids.js';
import { getMedia, postMedia, publicMedia, type MediaRouteDeps } from './media/media-routes.js';

export const PostMessageBody = z.object({
  chat: localChatName,
  text: z.string().min(1, 'the message text must not be empty').max(20_000),
  sender: z.string().min(1).max(100).optional(),
  id: z.string().min(1).max(200).optional(),
});

const ListQuery = z.object({
  chat: z.string().min(1),
  since: z.coerce.number().int().min(0).default(0),
});

export interface HealthReport {
  /** down: a required part failed (503); degraded: an optional one (WhatsApp, sandbox) did. */
  status: 'ok' | 'degraded' | 'down';
  components: Record<string, { ok: boolean; detail: string; required?: boolean }>;
}

export interface HttpDeps {
  /** What a posted message's sent time is read from (default: the system clock). */
  now?: () => Date;
  store: Store;
  inbound: Inbound;
  health: () => Promise<HealthReport>;
  webChatHtml: string;
  /** Who may call (Host, Origin, content type, token): see http-guard.ts. */
  guard: GuardSettings;
  /** Live-event streams open at once; one more is refused with 429. */
  maxEventStreams: number;
  /** The web chat's photos, files and voice notes (POST/GET /api/media); absent: no media routes. */
  media?: Omit<MediaRouteDeps, 'store' | 'inbound'>;
  /** What the chat's running turn is doing (step, phase, tokens), for the `progress` events; absent: none sent. */
  turnProgress?: (chat: string) => Promise<object | undefined>;
}

/** How often an open event stream asks what the chat's turn is doing (its heartbeats come every 2 s). */
const PROGRESS_EVERY_MS = 1500;


const publicMessage = (m: StoredMessage, store?: Store) => ({
  ...(store ? { media: publicMedia(store, m) } : {}),
  seq: m.seq,
  id: m.id,
  chat: m.chat,
  sender: m.sender,
  senderName: m.senderName,
  text: m.text,
  timestamp: m.timestamp,
  fromAssistant: m.fromAssistant,
});

export function webChatPage(): string {
  return fs.readFileSync(new URL('./web-chat.html', import.meta.url), 'utf8');
}

export class HttpServer {
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();

  constructor(private readonly deps: HttpDeps) {
    this.server = http.createServer((req, res) => {
      // The page's own links carry ?token= (media, the event stream): never in a Referer.
      res.setHeader('referrer-policy', 'no-referrer');
      this.route(req, res).catch((error: unknown) => send(res, 500, { error: (error as Error).message }));
    });
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(`Port ${port} on ${host} is already in use. Stop the other program or set HTTP_PORT to a free port.`)
            : error,
        ),
      );
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const verdict = checkRequest(req, url, this.deps.guard);
    if (!verdict.ok) return send(res, verdict.status, { error: verdict.error });
    const key = `${req.method} ${url.pathname}`;
    switch (key) {
      case 'GET /': {
        const headers: http.OutgoingHttpHeaders = {
          'content-type': 'text/html; charset=utf-8',
          // Never framed by another page (clickjacking), never sniffed as something else.
          'x-frame-options': 'DENY',
          'content-security-policy': "frame-ancestors 'none'",
          'x-content-type-options': 'nosniff',
        };
        res.writeHead(200, headers);
        res.end(this.deps.webChatHtml);
        return;
      }
      case 'POST /api/messages':
        return this.postMessage(req, res);
      case 'GET /api/messages':
        return this.listMessages(url, res);
      case 'GET /api/events':
        return this.events(url, req, res);
      case 'POST /api/media':
      case 'GET /api/media': {
        if (!this.deps.media) return send(res, 404, { error: 'This BabyBot serves no media.' });
        const deps = { ...this.deps.media, store: this.deps.store, inbound: this.deps.inbound };
        const reply = (status: number, body: unknown) => send(res, status, body);
        // base64 makes a file a third bigger; the JSON around it is small.
        if (req.method === 'POST') {
          let body: string;
          try {
            body = await readBody(req, Math.ceil(deps.maxBytes * 1.37) + 64_000);
          } catch (error) {
            return send(res, 413, { error: `${(error as Error).message}: a file over MEDIA_MAX_BYTES (${deps.maxBytes} bytes) is refused; nothing was stored.` });
          }
          return postMedia(deps, body, reply);
        }
        return getMedia(deps, url, res, reply);
      }
      case 'GET /api/chats':
        return send(res, 200, { chats: this.deps.store.listChats().filter((c) => c.channel === 'local') });
      case 'GET /api/health': {
        const report = await this.deps.health();
        return send(res, report.status === 'down' ? 503 : 200, report);
      }
      default:
        return send(res, 404, { error: `No route ${key}. Try POST /api/messages, GET /api/messages?chat=main, GET /api/events?chat=main or GET /api/health.` });
    }
  }

  private async postMessage(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readBody(req, 64_000));
    } catch (error) {
      return send(res, 400, { error: `The body must be JSON such as {"chat":"main","text":"hello"}: ${(error as Error).message}` });
    }
    const parsed = PostMessageBody.safeParse(raw);
    if (!parsed.success) return send(res, 400, { error: z.prettifyError(parsed.error) });
    const body = parsed.data;
    const chat = localChat(body.chat);
    const result = await this.deps.inbound.receive({
      channel: 'local',
      chat,
      chatName: chat.slice('local:'.length),
      id: body.id ?? randomUUID(),
      sender: body.sender ?? 'user',
      senderName: body.sender ?? 'user',
      text: body.text,
      timestamp: (this.deps.now?.() ?? new Date()).toISOString(),
    });
    send(res, 202, { id: result.message.id, seq: result.message.seq, duplicate: !result.inserted, triggered: result.triggered });
  }

  private listMessages(url: URL, res: http.ServerResponse): void {
    const parsed = ListQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) return send(res, 400, { error: `Query: ${z.prettifyError(parsed.error)} (e.g. ?chat=main&since=0)` });
    const messages = this.deps.store.messagesSince(localChat(parsed.data.chat), parsed.data.since);
    send(res, 200, { messages: messages.map((m) => publicMessage(m, this.deps.store)) });
  }

  /**
   * Server-sent events: every new message of the chat, the assistant's replies included
   * (`message`), a message whose text changed afterwards, a voice note's transcript
   * (`updated`, the same seq: the page rewrites that entry), and what the chat's running turn
   * is doing (`progress`: its step, the model's phase and tokens; `{}` once it is done).
   */
  private events(url: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
    const parsed = ListQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) return send(res, 400, { error: `Query: ${z.prettifyError(parsed.error)} (e.g. ?chat=main)` });
    const chat = localChat(parsed.data.chat);
    if (this.streams.size >= this.deps.maxEventStreams) {
      return send(res, 429, {
        error: `${this.streams.size} live-event streams are open, the most this BabyBot serves (MAX_EVENT_STREAMS): close one and try again.`,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    // An update carries no `id:`: it is of an older seq and must not move the stream's cursor back.
    const write = (m: StoredMessage, event: 'message' | 'updated' = 'message') =>
      res.write(`event: ${event}\n${event === 'message' ? `id: ${m.seq}\n` : ''}data: ${JSON.stringify(publicMessage(m, this.deps.store))}\n\n`);
    // Replay what the client missed since its cursor, then follow live.
    for (const m of this.deps.store.messagesSince(chat, parsed.data.since)) write(m);
    const unsubscribe = this.deps.store.onMessage((m) => m.chat === chat && write(m));
    const unsubscribeUpdates = this.deps.store.onMessageUpdated((m) => m.chat === chat && write(m, 'updated'));
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const stopProgress = this.followProgress(chat, res);
    this.streams.add(res);
    req.on('close', () => {
      unsubscribe();
      unsubscribeUpdates();
      stopProgress();
      clearInterval(keepAlive);
      this.streams.delete(res);
    });
  }

  /** Writes a `progress` event whenever what the chat's turn is doing changes; one question at a time. */
  private followProgress(chat: string, res: http.ServerResponse): () => void {
    const read = this.deps.turnProgress;
    if (!read) return () => {};
    let last = '{}';
    let asking = false;
    const timer = setInterval(() => {
      if (asking) return;
      asking = true;
      read(chat)
        .catch(() => undefined)
        .then((progress) => {
          const text = JSON.stringify(progress ?? {});
          if (text !== last && !res.writableEnded) res.write(`event: progress\ndata: ${text}\n\n`);
          last = text;
        })
        .finally(() => (asking = false));
    }, PROGRESS_EVERY_MS);
    return () => clearInterval(timer);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error(`the body is over ${limit} bytes`);
  }
  return body;
}
