// A Telegram Bot API of the tests' own: an HTTP server speaking the real Bot API JSON that
// grammY talks to through TELEGRAM_API_ROOT. getMe, getUpdates (offset confirms, long poll
// with timeout), sendMessage, sendChatAction, getFile, sendPhoto/Document (multipart), the
// file host at /file/bot<token>/<path>; and Telegram's failures: 429 with
// parameters.retry_after, 401 once the token is revoked, a dropped connection.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const BOT_ID = 7000001;
export const BOT_USERNAME = 'baby_test_bot';
export const TOKEN = `${BOT_ID}:AAH-stand-in-secret-token_0123456789xyz`;

export interface SentMessage {
  chatId: number;
  text: string;
  at: number;
  messageId: number;
}

interface Failure {
  status: number;
  body: Record<string, unknown>;
}

interface StoredFile {
  path: string;
  data: Buffer;
  declaredSize?: number;
}

export class BotApiStandIn {
  readonly sent: SentMessage[] = [];
  readonly chatActions: { chatId: number; action: string }[] = [];
  readonly filesSent: { method: string; chatId: string }[] = [];
  /** Every getUpdates' offset, in order (undefined: none given). */
  readonly offsets: (number | undefined)[] = [];
  /** Paths fetched from the file host. */
  readonly fileRequests: string[] = [];
  /** Every call, method and time, in order. */
  readonly calls: { method: string; at: number }[] = [];
  revoked = false;
  /** What setWebhook was given last (deleteWebhook clears it). */
  webhook?: { url: string; secret: string };
  /** While true, the file host takes requests and answers none (a download in flight). */
  holdFiles = false;
  private updates: Record<string, unknown>[] = [];
  private nextUpdateId = 500;
  private nextMessageId = 9000;
  private readonly failures = new Map<string, Failure[]>();
  private readonly drops = new Map<string, number>();
  private readonly dropsAfter = new Map<string, number>();
  private readonly files = new Map<string, StoredFile>();
  private waiters: (() => void)[] = [];
  private server?: http.Server;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const wake of this.waiters.splice(0)) wake();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Queues an update with this message (update_id and message_id filled in); returns both. */
  push(message: Record<string, unknown>): { updateId: number; messageId: number } {
    const updateId = this.nextUpdateId++;
    const messageId = (message.message_id as number | undefined) ?? this.nextMessageId++;
    this.updates.push({ update_id: updateId, message: { date: Math.floor(Date.now() / 1000), ...message, message_id: messageId } });
    for (const wake of this.waiters.splice(0)) wake();
    return { updateId, messageId };
  }

  /** The next `times` calls of `method` fail with this Bot API error. */
  failNext(method: string, error: { error_code: number; description: string; parameters?: Record<string, unknown> }, times = 1): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push({ status: error.error_code, body: { ok: false, ...error } });
    this.failures.set(method, list);
  }

  /** The next call of `method` loses its connection before any answer. */
  dropNext(method: string): void {
    this.drops.set(method, (this.drops.get(method) ?? 0) + 1);
  }

  /** The next call of `method` is carried out, then its connection is lost before the answer. */
  dropAnswerOfNext(method: string): void {
    this.dropsAfter.set(method, (this.dropsAfter.get(method) ?? 0) + 1);
  }

  /** A file getFile names (with its size unless `declare` is false) and the file host serves. */
  addFile(fileId: string, data: Buffer, path = `files/${fileId}.bin`, declare = true): void {
    this.files.set(fileId, { path, data, declaredSize: declare ? data.length : undefined });
  }

  /** Posts an update to the webhook as Telegram does (with the secret, unless another is given; null: none); returns the HTTP status. */
  async postToWebhook(message: Record<string, unknown>, secret: string | null = this.webhook?.secret ?? null): Promise<{ status: number; messageId: number }> {
    const messageId = (message.message_id as number | undefined) ?? this.nextMessageId++;
    const update = { update_id: this.nextUpdateId++, message: { date: Math.floor(Date.now() / 1000), ...message, message_id: messageId } };
    const res = await fetch(this.webhook!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(update),
    });
    return { status: res.status, messageId };
  }

  sentTo(chatId: number): SentMessage[] {
    return this.sent.filter((m) => m.chatId === chatId);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) return this.serveFile(file[1], file[2], res);
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!match) return this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match;
    const raw = await readBody(req);
    this.calls.push({ method, at: Date.now() });
    if (token !== TOKEN || this.revoked) return this.answer(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const drops = this.drops.get(method) ?? 0;
    if (drops > 0) {
      this.drops.set(method, drops - 1);
      req.socket.destroy();
      return;
    }
    const failure = this.failures.get(method)?.shift();
    if (failure) return this.answer(res, failure.status, failure.body);
    const params = (req.headers['content-type'] ?? '').includes('application/json') && raw.length ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {};
    switch (method) {
      case 'getMe':
        return this.ok(res, { id: BOT_ID, is_bot: true, first_name: 'Baby', username: BOT_USERNAME, can_join_groups: true });
      case 'getUpdates':
        return this.ok(res, await this.getUpdates(params));
      case 'sendMessage': {
        const chatId = Number(params.chat_id);
        const messageId = this.nextMessageId++;
        this.sent.push({ chatId, text: String(params.text), at: Date.now(), messageId });
        return this.ok(res, { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' }, from: { id: BOT_ID, is_bot: true, first_name: 'Baby', username: BOT_USERNAME }, text: params.text });
      }
      case 'setWebhook':
        this.webhook = { url: String(params.url), secret: String(params.secret_token ?? '') };
        return this.ok(res, true);
      case 'deleteWebhook':
        this.webhook = undefined;
        return this.ok(res, true);
      case 'sendChatAction':
        this.chatActions.push({ chatId: Number(params.chat_id), action: String(params.action) });
        return this.ok(res, true);
      case 'getFile': {
        const stored = this.files.get(String(params.file_id));
        if (!stored) return this.answer(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
        return this.ok(res, { file_id: params.file_id, file_unique_id: `u${String(params.file_id)}`, file_path: stored.path, ...(stored.declaredSize ? { file_size: stored.declaredSize } : {}) });
      }
      case 'sendPhoto':
      case 'sendDocument':
      case 'sendAudio':
      case 'sendVideo': {
        // Multipart: the chat id is one of its fields.
        const chatId = /name="chat_id"\r\n\r\n(-?\d+)/.exec(raw.toString('latin1'))?.[1] ?? '';
        this.filesSent.push({ method, chatId });
        return this.ok(res, { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private' } });
      }
      default:
        return this.answer(res, 404, { ok: false, error_code: 404, description: `Not Found: method ${method}` });
    }
  }

  /** Confirms what is below the offset, answers what is left, or waits up to `timeout` seconds for news. */
  private async getUpdates(params: Record<string, unknown>): Promise<unknown[]> {
    const offset = typeof params.offset === 'number' ? params.offset : undefined;
    this.offsets.push(offset);
    if (offset !== undefined) this.updates = this.updates.filter((u) => (u.update_id as number) >= offset);
    if (this.updates.length === 0) {
      const timeoutMs = Math.min(Number(params.timeout ?? 0), 50) * 1000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.updates.slice(0, Number(params.limit ?? 100));
  }

  private serveFile(token: string, path: string, res: http.ServerResponse): void {
    this.fileRequests.push(path);
    if (this.holdFiles) return;
    const stored = [...this.files.values()].find((f) => f.path === path);
    if (token !== TOKEN || this.revoked || !stored) return this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    // A file of undeclared size is streamed (chunked, no length): only the reader's cap stops it.
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...(stored.declaredSize ? { 'content-length': stored.data.length } : {}) });
    if (stored.declaredSize) return void res.end(stored.data);
    for (let at = 0; at < stored.data.length; at += 16_384) res.write(stored.data.subarray(at, at + 16_384));
    res.end();
  }

  private ok(res: http.ServerResponse, result: unknown): void {
    this.answer(res, 200, { ok: true, result });
  }

  private answer(res: http.ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    const method = /\/bot[^/]+\/(\w+)$/.exec(res.req.url ?? '')?.[1] ?? '';
    const dropAfter = this.dropsAfter.get(method) ?? 0;
    if (status === 200 && dropAfter > 0) {
      this.dropsAfter.set(method, dropAfter - 1);
      res.socket?.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Telegram users and chats of the tests. */
export const OWNER = { id: 1001, is_bot: false, first_name: 'Olive', username: 'olive' };
export const ALICE = { id: 1002, is_bot: false, first_name: 'Alice' };
export const FAMILY = { id: -1001234567890, type: 'supergroup', title: 'Family' };
export const ownerChat = { id: OWNER.id, type: 'private', first_name: 'Olive' };
