// `babybot whatsapp link|logout`: link this BabyBot as a device of the owner's WhatsApp, or unlink it.
import { Command } from 'commander';
import qrcode from 'qrcode-terminal';
import { linkWhatsApp, unlinkWhatsApp } from '../channel/whatsapp/link.js';
import { baileysSocketFactory } from '../channel/whatsapp/socket.js';
import { Store } from '../lib/store/store.js';
import { commandContext, fail } from './context.js';

export function whatsappCommand(): Command {
  const command = new Command('whatsapp').description('link BabyBot to your WhatsApp, or unlink it');
  command
    .command('link')
    .description('show a QR code to scan with your phone (or a pairing code with --phone), wait for the scan, store the credentials')
    .option('--phone <number>', 'link with a pairing code for this number (country code first) instead of a QR code')
    .option('--connect-timeout <seconds>', 'give up when WhatsApp cannot be reached within this time', '15')
    .action(whatsappLinkCommand);
  command
    .command('logout')
    .description('unlink: tell WhatsApp to drop this device (when reachable) and delete the stored credentials')
    .option('--connect-timeout <seconds>', 'how long to try to reach WhatsApp before deleting the credentials anyway', '10')
    .action(whatsappLogoutCommand);
  return command;
}

export interface LinkFlags {
  phone?: string;
  connectTimeout: string;
}

function connectTimeoutMs(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) fail(`--connect-timeout takes a number of seconds, such as 20 (got "${text}").`, 2);
  return seconds * 1000;
}

export async function whatsappLinkCommand(flags: LinkFlags): Promise<void> {
  const { config, log } = commandContext();
  const phone = flags.phone?.replace(/[\s()+-]/g, '');
  if (phone !== undefined && !/^\d{7,15}$/.test(phone)) {
    fail(`--phone takes the phone number with its country code, digits only (such as 447700900123); got "${flags.phone}".`, 2);
  }
  const store = Store.openIn(config.dataDir);
  process.stdout.write(`Connecting to WhatsApp${phone ? ` to get a pairing code for +${phone}` : ''}…\n`);
  const result = await linkWhatsApp({
    store,
    log,
    socketFactory: baileysSocketFactory,
    webSocketUrl: config.WHATSAPP_WS_URL,
    phone,
    connectTimeoutMs: connectTimeoutMs(flags.connectTimeout),
    showQr: (qr) => qrcode.generate(qr, { small: true }, (rendered) => process.stdout.write(`${rendered}\n`)),
    write: (line) => process.stdout.write(`${line}\n`),
  });
  store.close();
  if (!result.ok) fail(result.message);
  process.stdout.write(
    result.alreadyLinked
      ? `WhatsApp is already linked (${result.account}). To link another phone, run \`babybot whatsapp logout\` first.\n`
      : `Linked to WhatsApp as ${result.account}. The credentials are stored in ${store.file}.\n` +
          'Start BabyBot with `babybot start`; your chat with yourself is the main chat.\n',
  );
  process.exit(0);
}

export async function whatsappLogoutCommand(flags: { connectTimeout: string }): Promise<void> {
  const { config, log } = commandContext();
  const store = Store.openIn(config.dataDir);
  const result = await unlinkWhatsApp({
    store,
    log,
    socketFactory: baileysSocketFactory,
    webSocketUrl: config.WHATSAPP_WS_URL,
    connectTimeoutMs: connectTimeoutMs(flags.connectTimeout),
  });
  store.close();
  if (!result.wasLinked) process.stdout.write('WhatsApp was not linked; nothing to do.\n');
  else if (result.toldWhatsApp) process.stdout.write('Unlinked: WhatsApp dropped this device and the stored credentials are deleted.\n');
  else {
    process.stdout.write(
      'Unlinked: the stored credentials are deleted. WhatsApp could not be reached, so your phone may still list BabyBot ' +
        'under Settings > Linked devices; remove it there.\n',
    );
  }
  process.exit(0);
}
