// Where a command on this machine finds the running BabyBot's local API, and the owner's
// token it must present (the API answers nobody else, on loopback too).
import { readToken, tokenFile } from '../lib/http-guard.js';
import type { Config } from '../lib/config.js';
import { fail } from './context.js';

export interface LocalApi {
  base: string;
  token: string;
  headers: Record<string, string>;
}

export function localApi(config: Config, url?: string): LocalApi {
  // A server listening on every address is reached on loopback, the name its Host check knows.
  const host = ['0.0.0.0', '::', '[::]'].includes(config.HTTP_HOST) ? '127.0.0.1' : config.HTTP_HOST;
  const base = url ?? `http://${host}:${config.HTTP_PORT}`;
  const token = readToken(config.dataDir, config.HTTP_TOKEN);
  if (!token) {
    fail(
      `No token to speak to BabyBot with: ${tokenFile(config.dataDir)} is missing or unreadable. ` +
        'Start BabyBot once (`babybot start` makes it), and run this command as the account that runs BabyBot, with the same DATA_DIR (or set HTTP_TOKEN).',
    );
  }
  return { base, token, headers: { authorization: `Bearer ${token}` } };
}
