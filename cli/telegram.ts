// `babybot telegram link`: shows a one-time code; the owner sends it to the bot in a private
// chat, and the running BabyBot makes them the owner (channel/telegram/link.ts). This command
// only writes the code's hash to the store and waits for the owner to appear there.
import { Command } from 'commander';
import { TELEGRAM_OWNER_KEY } from '../channel/owner.js';
import { botApi, classifyFailure, grammySignal, redactor } from '../channel/telegram/bot-api.js';
import { LINK_TTL_MS, startTelegramLink } from '../channel/telegram/link.js';
import { TELEGRAM_MAIN_FOLDER } from '../lib/group-registration.js';
import { Store } from '../lib/store/store.js';
import { commandContext, fail } from './context.js';

export function telegramCommand(): Command {
  const command = new Command('telegram').description('Telegram: make yourself the owner of the bot');
  command
    .command('link')
    .description('show a one-time code to send to the bot in a private chat (BabyBot must be running); the sender becomes the owner')
    .action(telegramLinkCommand);
  return command;
}

export async function telegramLinkCommand(): Promise<void> {
  const { config } = commandContext();
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) fail('TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather first (README, "Telegram").', 2);
  if (config.TELEGRAM_OWNER_ID) fail(`TELEGRAM_OWNER_ID is set (${config.TELEGRAM_OWNER_ID}), and it decides who the owner is. Unset it to link with a code.`, 2);
  let username: string;
  try {
    username = (await botApi(token, config.TELEGRAM_API_ROOT, 10).getMe(grammySignal(AbortSignal.timeout(10_000)))).username;
  } catch (error) {
    fail(`Telegram did not answer for this bot (${classifyFailure(error, redactor(token)).text}). Run \`babybot doctor\`.`);
  }
  const store = Store.openIn(config.dataDir);
  const before = store.channelState(TELEGRAM_OWNER_KEY);
  const code = startTelegramLink(store);
  process.stdout.write(
    `Send this code to @${username} in a private chat (open t.me/${username}, press Start, then send it):\n\n    ${code}\n\n` +
      `It works once, for ${LINK_TTL_MS / 60_000} minutes, while BabyBot runs (\`babybot start\`). Waiting…\n`,
  );
  const deadline = Date.now() + LINK_TTL_MS;
  while (Date.now() < deadline) {
    const owner = store.channelState(TELEGRAM_OWNER_KEY);
    if (owner && (owner !== before || store.channelState('telegram:link') === undefined)) {
      store.close();
      process.stdout.write(`Linked: Telegram user ${owner} is the owner; their private chat with @${username} is the main chat (${TELEGRAM_MAIN_FOLDER}).\n`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  store.close();
  fail('The code expired before it reached BabyBot. Is BabyBot running? Run `babybot telegram link` again.');
}
