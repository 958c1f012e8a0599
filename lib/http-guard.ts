// Who may call an HTTP port BabyBot starts: its local API (channel/http-server.ts) and the
// embedded Temporal Web UI's guarding proxy (temporal/ui-proxy.ts). Anything that reaches
// the API speaks as the owner (a message to main runs commands, registers groups, schedules
// tasks), and a web page in the owner's browser can reach 127.0.0.1. So, before any route:
//  - the Host header must name this server (loopback, HTTP_HOST, HTTP_ALLOWED_HOSTS): a
//    DNS-rebinding page names its own domain;
//  - an Origin (or Sec-Fetch-Site) must be the page's own: a cross-site fetch or form names another;
//  - a body must be application/json: a cross-site "simple" POST (text/plain, forms) is not;
//  - the owner's token (Authorization: Bearer, or ?token= where a browser cannot send a
//    header: an event stream, an image) is required, on loopback too: any other account of
//    the machine reaches 127.0.0.1 as well. Exempt are GET /api/health and the web chat
//    page itself (static; it reads the token from the start URL's #token= fragment).
// No cookie carries the token: a browser sends 127.0.0.1's cookies to every port of it,
// including a server another account runs there.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

export interface GuardSettings {
  /** Host names (no port, lower case) a request may name. */
  allowedHosts: ReadonlySet<string>;
  /** Required on every request but the health check and the page when set. */
  token?: string;
  /**
   * What makes a request that changes state the page's own: 'json' (BabyBot's API: an
   * application/json body, which no cross-site form or simple fetch can send), or
   * 'same-origin' (a proxied web app whose own requests send other bodies: an Origin or
   * Sec-Fetch-Site naming this site, which every browser sends on such requests).
   */
  writes?: 'json' | 'same-origin';
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; error: string };

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]';

export function guardSettings(httpHost: string, extraHosts: readonly string[], token: string | undefined): GuardSettings {
  const allowed = new Set([...LOOPBACK_NAMES, ...extraHosts].map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
  if (!isWildcard(httpHost)) allowed.add(httpHost.toLowerCase().replace(/^\[|\]$/g, ''));
  return { allowedHosts: allowed, token };
}

/** The owner's token: HTTP_TOKEN, else DATA_DIR/http-token (made 0600 on first need, read by the CLI). */
export function installToken(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const existing = readToken(dataDir);
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = crypto.randomBytes(24).toString('base64url');
  try {
    fs.writeFileSync(tokenFile(dataDir), `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process of this install made it first: use that one.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && readToken(dataDir)) return readToken(dataDir)!;
    throw error;
  }
  return token;
}

/** The token a command on this machine presents: HTTP_TOKEN, else the file (absent before the first start). */
export function readToken(dataDir: string, configured?: string): string | undefined {
  if (configured) return configured;
  try {
    return fs.readFileSync(tokenFile(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export const tokenFile = (dataDir: string) => path.join(dataDir, 'http-token');

/** The web chat's link: the token rides in the fragment, which the browser never sends to any server. */
export const webChatLink = (httpUrl: string, token: string) => `${httpUrl}/#token=${encodeURIComponent(token)}`;

function hostName(header: string): string {
  // "[::1]:3000" -> "::1"; "example.org:3000" -> "example.org"
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed) return bracketed[1].toLowerCase();
  return header.replace(/:\d+$/, '').toLowerCase();
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/** The token the request carries: a bearer header, or ?token= (an EventSource or an <img> cannot send a header). */
export function presentedToken(req: http.IncomingMessage, url: URL): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1];
  return url.searchParams.get('token') ?? undefined;
}

/** Paths served without the token: the health check, and the page (static; it holds no data). */
const isOpen = (req: http.IncomingMessage, url: URL) =>
  (req.method === 'GET' || req.method === 'HEAD') && (url.pathname === '/api/health' || url.pathname === '/');

export function checkRequest(req: http.IncomingMessage, url: URL, settings: GuardSettings): Verdict {
  const host = req.headers.host;
  if (!host || !settings.allowedHosts.has(hostName(host))) {
    return {
      ok: false,
      status: 403,
      error:
        `Refused: the Host header ${JSON.stringify(host ?? '')} does not name this BabyBot. Use http://127.0.0.1:PORT, ` +
        'or add the name to HTTP_ALLOWED_HOSTS.',
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    return { ok: false, status: 403, error: `Refused: a request from the page ${JSON.stringify(origin)}, not this BabyBot's own.` };
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    return { ok: false, status: 403, error: 'Refused: a cross-site request.' };
  }
  if (req.method !== 'GET' && req.method !== 'HEAD' && settings.writes === 'same-origin') {
    if (origin === undefined && req.headers['sec-fetch-site'] !== 'same-origin') {
      return { ok: false, status: 403, error: 'Refused: a request that changes something must come from this site\'s own pages (no Origin).' };
    }
  } else if (req.method !== 'GET' && req.method !== 'HEAD') {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return {
        ok: false,
        status: 403,
        error: `Refused: the body must be sent as application/json (got ${JSON.stringify(req.headers['content-type'] ?? 'none')}).`,
      };
    }
  }
  if (settings.token && !isOpen(req, url)) {
    const given = presentedToken(req, url);
    if (!given || !safeEqual(given, settings.token)) {
      return {
        ok: false,
        status: 401,
        error:
          'This BabyBot answers its owner only, so it needs its token: open the web chat with the link `babybot start` prints, ' +
          'use `babybot chat`, or send "Authorization: Bearer <token>" (the token is HTTP_TOKEN, or the file http-token in DATA_DIR, ' +
          'readable by the account that runs BabyBot).',
      };
    }
  }
  return { ok: true };
}
