// `babybot web`: the web chat's link with the owner's token, for a browser that has not
// opened the one `babybot start` printed.
import { webChatLink } from '../lib/http-guard.js';
import { commandContext } from './context.js';
import { localApi } from './local-api.js';

export function webCommand(): void {
  const { config } = commandContext();
  const { base, token } = localApi(config);
  process.stdout.write(`${webChatLink(base, token)}\n`);
}
