// WhatsApp's media servers' stand-in: a local HTTP server holding media encrypted exactly as
// a WhatsApp client uploads it (Baileys' own encryptedStream: AES-256-CBC with a random
// media key, HMAC-SHA256 tail), so BabyBot's real downloader (Baileys' downloadMediaMessage,
// which fetches the message's `url` and decrypts it with its `mediaKey`) runs unchanged.
// `upload(...)` gives the fields WhatsApp's own audioMessage/documentMessage carry; `route`
// makes a path answer as a test needs (a redirect, a slow or failing server).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptedStream } from '../../../channel/whatsapp/baileys.js';

export interface UploadedMedia {
  url: string;
  directPath: string;
  mediaKey: Uint8Array;
  fileSha256: Uint8Array;
  fileEncSha256: Uint8Array;
  fileLength: number;
}

export class FakeMediaServer {
  private readonly files = new Map<string, Buffer>();
  private readonly routes = new Map<string, http.RequestListener>();
  private readonly server = http.createServer((req, res) => {
    const body = this.files.get(req.url ?? '');
    this.requests.push(req.url ?? '');
    const route = this.routes.get(req.url ?? '');
    if (route) return void route(req, res);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  /** Every path asked for, in order. */
  readonly requests: string[] = [];
  private base = '';

  /** The origin the server answers on (http://127.0.0.1:PORT), once started. */
  get origin(): string {
    return this.base;
  }

  /** Makes `path` answer with `handler` instead of a stored file. */
  route(path: string, handler: http.RequestListener): void {
    this.routes.set(path, handler);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Encrypts `plain` as a client's upload of that media type and holds it; returns the message's media fields. */
  async upload(plain: Buffer, mediaType: 'audio' | 'image' | 'document' | 'video' | 'sticker'): Promise<UploadedMedia> {
    const { mediaKey, encWriteStream, fileSha256, fileEncSha256, fileLength } = await encryptedStream(plain, mediaType);
    const chunks: Buffer[] = [];
    for await (const chunk of encWriteStream) chunks.push(Buffer.from(chunk as Uint8Array));
    const directPath = `/v/t62.7117-24/${this.files.size + 1}_${fileSha256.toString('hex').slice(0, 16)}.enc`;
    this.files.set(directPath, Buffer.concat(chunks));
    return { url: `${this.base}${directPath}`, directPath, mediaKey, fileSha256, fileEncSha256, fileLength };
  }
}
