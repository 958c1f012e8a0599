// Linking this BabyBot as a device of the owner's WhatsApp: show a QR code (or get a
// pairing code for a phone number), wait for the phone to confirm, keep the credentials
// in the store. A machine that cannot reach WhatsApp gets a clear answer within the
// connect timeout, never a hang.
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../lib/store/store.js';
import { isLinked, linkedAccount, sqliteAuthState } from './auth-state.js';
import { DisconnectReason, jidNormalizedUser } from './baileys.js';
import { classifyDisconnect, statusCodeOf } from './connection-state.js';
import { endSocket, type SocketFactory, type WhatsAppSocket } from './socket.js';

export interface LinkDeps {
  store: Store;
  log: Logger;
  socketFactory: SocketFactory;
  webSocketUrl?: string;
  /** Digits of the phone number (country code first) to get a pairing code instead of a QR code. */
  phone?: string;
  /** How long to try to reach WhatsApp before giving up. */
  connectTimeoutMs: number;
  showQr: (qr: string) => void;
  write: (line: string) => void;
}

export type LinkResult = { ok: true; account: string; alreadyLinked: boolean } | { ok: false; message: string };

const RETRY_MS = 2000;

export function linkWhatsApp(deps: LinkDeps): Promise<LinkResult> {
  if (isLinked(deps.store)) {
    return Promise.resolve({ ok: true, account: accountOf(linkedAccount(deps.store)?.id), alreadyLinked: true });
  }
  return new Promise<LinkResult>((resolve) => {
    const deadline = Date.now() + deps.connectTimeoutMs;
    let reached = false;
    let pairingRequested = false;
    let lastError = 'no answer';
    let socket: WhatsAppSocket | undefined;
    let retry: NodeJS.Timeout | undefined;

    const finish = (result: LinkResult) => {
      clearTimeout(retry);
      clearTimeout(giveUp);
      const ending = socket;
      socket = undefined;
      if (ending) endSocket(ending);
      resolve(result);
    };
    const unreachable = () =>
      finish({
        ok: false,
        message:
          `WhatsApp cannot be reached from this machine (${lastError}, tried for ${Math.round(deps.connectTimeoutMs / 1000)}s). ` +
          'Check the internet connection: web.whatsapp.com must be reachable on port 443. ' +
          'BabyBot and its local web chat work without WhatsApp; link again when the connection is back.',
      });
    const giveUp = setTimeout(() => !reached && unreachable(), deps.connectTimeoutMs);

    const connect = async () => {
      const auth = sqliteAuthState(deps.store);
      try {
        socket = await deps.socketFactory({
          auth: auth.state,
          log: deps.log,
          webSocketUrl: deps.webSocketUrl,
          getMessage: async () => undefined,
        });
      } catch (error) {
        lastError = (error as Error).message;
        return scheduleRetry();
      }
      const current = socket;
      current.ev.on('creds.update', () => auth.saveCreds());
      current.ev.on('connection.update', (update) => {
        if (socket !== current) return;
        if (update.qr) {
          reached = true;
          if (!deps.phone) {
            deps.write('Scan this QR code with WhatsApp on your phone: Settings > Linked devices > Link a device.');
            deps.showQr(update.qr);
          } else if (!pairingRequested) {
            pairingRequested = true;
            current
              .requestPairingCode(deps.phone)
              .then((code) =>
                deps.write(
                  `Pairing code: ${code.match(/.{1,4}/g)?.join('-') ?? code}\n` +
                    'On your phone: WhatsApp > Settings > Linked devices > Link a device > "Link with phone number instead", then enter the code.',
                ),
              )
              .catch((error: unknown) => finish({ ok: false, message: `WhatsApp gave no pairing code: ${(error as Error).message}. Check the number (country code first, digits only).` }));
          }
        }
        if (update.connection === 'open') {
          finish({ ok: true, account: accountOf(current.user?.id), alreadyLinked: false });
        } else if (update.connection === 'close') {
          onClose(update.lastDisconnect?.error);
        }
      });
    };

    const onClose = (error: unknown) => {
      socket = undefined;
      const code = statusCodeOf(error);
      // After the scan WhatsApp always asks for a restart; the stored credentials then log in.
      if (code === DisconnectReason.restartRequired) {
        reached = true;
        return void connect();
      }
      if (!reached) {
        lastError = (error as Error | undefined)?.message ?? lastError;
        return scheduleRetry();
      }
      if (code === DisconnectReason.timedOut) {
        return finish({ ok: false, message: 'The code was not confirmed on the phone in time. Run `babybot whatsapp link` again when the phone is at hand.' });
      }
      if (code === DisconnectReason.loggedOut) deps.store.authClear();
      finish({ ok: false, message: `Linking failed: ${classifyDisconnect(error).message}` });
    };

    const scheduleRetry = () => {
      if (Date.now() + RETRY_MS >= deadline) return unreachable();
      retry = setTimeout(() => void connect(), RETRY_MS);
    };

    void connect();
  });
}

/** Unlinks: tells WhatsApp when it can be reached (the phone then drops the device), and always forgets the credentials. */
export async function unlinkWhatsApp(deps: Omit<LinkDeps, 'phone' | 'showQr' | 'write'>): Promise<{ wasLinked: boolean; toldWhatsApp: boolean }> {
  if (!isLinked(deps.store)) {
    deps.store.authClear();
    return { wasLinked: false, toldWhatsApp: false };
  }
  const auth = sqliteAuthState(deps.store);
  let toldWhatsApp = false;
  try {
    const socket = await deps.socketFactory({ auth: auth.state, log: deps.log, webSocketUrl: deps.webSocketUrl, getMessage: async () => undefined });
    toldWhatsApp = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        endSocket(socket);
        resolve(false);
      }, deps.connectTimeoutMs);
      socket.ev.on('connection.update', (update) => {
        if (update.connection === 'open') {
          clearTimeout(timer);
          socket.logout().then(() => resolve(true), () => resolve(false));
        } else if (update.connection === 'close') {
          clearTimeout(timer);
          resolve(false);
        }
      });
    });
  } catch (error) {
    deps.log.debug({ err: (error as Error).message }, 'could not reach WhatsApp to log out');
  }
  deps.store.authClear();
  return { wasLinked: true, toldWhatsApp };
}

function accountOf(jid: string | undefined): string {
  return jid ? `+${jidNormalizedUser(jid).split('@')[0]}` : 'your account';
}
