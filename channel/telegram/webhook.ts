// Telegram's webhook mode: Telegram POSTs each update to TELEGRAM_WEBHOOK_URL (a public https
// address, proxied to this listener). It is as safe as long polling only with these rules:
// a request counts only with the secret Telegram was given at setWebhook (a fresh random one
// at every start, compared in constant time; anyone can POST to a public URL), the body is
// capped, and the answer is 200 only after the update is stored, so Telegram sends again
// whatever BabyBot did not store (as an unconfirmed offset does in long polling).
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'grammy/types';
import type { Logger } from '../../lib/logger.js';

/** Far more than any update (a message's text is at most 4,096 characters). */
const BODY_LIMIT = 1024 * 1024;
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface WebhookListener {
  /** The address it listens on (http://host:port/), for logs and tests. */
  address: string;
  close(): Promise<void>;
}

export interface WebhookOptions {
  host: string;
  port: number;
  secret: string;
  log: Logger;
  /** Stores the update; a throw answers 500 and Telegram sends the update again later. */
  handle(update: Update): Promise<void>;
}

export async function listenForWebhook(options: WebhookOptions): Promise<WebhookListener> {
  const expected = Buffer.from(options.secret);
  const server = http.createServer((req, res) => {
    const answer = (status: number) => {
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : http.STATUS_CODES[status]);
    };
    const given = Buffer.from(String(req.headers[SECRET_HEADER] ?? ''));
    if (req.method !== 'POST') return answer(405);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      req.resume();
      return answer(401);
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return answer(415);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        answer(413);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      let update: Update;
      try {
        update = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Update;
      } catch {
        return answer(400);
      }
      if (!update || typeof update !== 'object' || !Number.isSafeInteger(update.update_id)) return answer(400);
      options.handle(update).then(
        () => answer(200),
        (error: unknown) => {
          options.log.warn({ update: update.update_id, err: (error as Error).message }, 'Telegram: could not store a webhook update; Telegram sends it again');
          answer(500);
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://${options.host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
