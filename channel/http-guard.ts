// Who may call the local HTTP API. Anything that reaches the port speaks as the owner (a
// message to main runs commands, registers groups, schedules tasks), and a web page in the
// owner's browser can reach 127.0.0.1. So, before any route:
//  - the Host header must name this server (loopback, HTTP_HOST, HTTP_ALLOWED_HOSTS): a
//    DNS-rebinding page names its own domain;
//  - an Origin (or Sec-Fetch-Site) must be the page's own: a cross-site fetch or form names another;
//  - a body must be application/json: a cross-site "simple" POST (text/plain, forms) is not;
//  - when HTTP_HOST is not loopback, a per-install token (Authorization: Bearer, or the
//    cookie the start URL sets) is required, except for GET /api/health.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

export interface GuardSettings {
  /** Host names (no port, lower case) a request may name. */
  allowedHosts: ReadonlySet<string>;
  /** Required on every request but the health check when set. */
  token?: string;
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; error: string };

export const TOKEN_COOKIE = 'babybot_token';
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return LOOPBACK_NAMES.includes(name) || /^127\.\d+\.\d+\.\d+$/.test(name) || name.endsWith('.localhost');
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]';

export function guardSettings(httpHost: string, extraHosts: readonly string[], token: string | undefined): GuardSettings {
  const allowed = new Set([...LOOPBACK_NAMES, ...extraHosts].map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
  if (!isWildcard(httpHost)) allowed.add(httpHost.toLowerCase().replace(/^\[|\]$/g, ''));
  return { allowedHosts: allowed, token };
}

/** The per-install token when HTTP_HOST is not loopback: HTTP_TOKEN, else DATA_DIR/http-token (made 0600 on first need). */
export function installToken(httpHost: string, configured: string | undefined, dataDir: string): string | undefined {
  if (isLoopbackHost(httpHost)) return undefined;
  if (configured) return configured;
  const file = tokenFile(dataDir);
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}

export const tokenFile = (dataDir: string) => path.join(dataDir, 'http-token');

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

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The token the request carries: a bearer header, the cookie, or ?token= on the page itself. */
export function presentedToken(req: http.IncomingMessage, url: URL): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1];
  if (url.pathname === '/' && url.searchParams.get('token')) return url.searchParams.get('token')!;
  return cookie(req, TOKEN_COOKIE);
}

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
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return {
        ok: false,
        status: 403,
        error: `Refused: the body must be sent as application/json (got ${JSON.stringify(req.headers['content-type'] ?? 'none')}).`,
      };
    }
  }
  if (settings.token && !(req.method === 'GET' && url.pathname === '/api/health')) {
    const given = presentedToken(req, url);
    if (!given || !safeEqual(given, settings.token)) {
      return {
        ok: false,
        status: 401,
        error:
          'This BabyBot listens beyond loopback, so it needs its token: open the web chat with the URL printed at start, ' +
          'or send "Authorization: Bearer <token>" (the token is HTTP_TOKEN, or the file http-token in DATA_DIR).',
      };
    }
  }
  return { ok: true };
}
