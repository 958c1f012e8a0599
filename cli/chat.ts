// `babybot chat`: a terminal chat against a running BabyBot, through its local HTTP API.
import readline from 'node:readline';
import { commandContext, fail } from './context.js';
import { terminalText } from './terminal-text.js';
import { localApi } from './local-api.js';

export async function chatCommand(flags: { chat: string; url?: string }): Promise<void> {
  const { config } = commandContext();
  const { base, headers: auth } = localApi(config, flags.url);
  const chat = flags.chat;
  try {
    await fetch(`${base}/api/health`);
  } catch {
    fail(`No BabyBot answers at ${base}. Start it with \`npm start\` (or \`babybot start\`) in another terminal.`);
  }
  const events = await fetch(`${base}/api/events?chat=${encodeURIComponent(chat)}&since=${await lastSeq(base, chat, auth)}`, { headers: auth });
  if (!events.ok) fail(`BabyBot at ${base} refused the chat: ${((await events.json()) as { error: string }).error}`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: `${chat}> ` });
  process.stdout.write(`Chatting in local:${chat} at ${base}. Ctrl+D to leave.\n`);
  void follow(events, (message) => {
    if (!message.fromAssistant) return;
    readline.clearLine(process.stdout, 0);
    readline.cursorTo(process.stdout, 0);
    // The reply may quote strangers' words: its own lines stay, every other control character is escaped.
    process.stdout.write(`${terminalText(message.senderName ?? 'assistant')}: ${terminalText(message.text, { lines: true })}\n`);
    rl.prompt(true);
  });
  rl.prompt();
  rl.on('line', async (line) => {
    const text = line.trim();
    if (text) {
      const res = await fetch(`${base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ chat, text, sender: 'terminal' }),
      });
      if (!res.ok) process.stdout.write(`(not sent: ${terminalText(((await res.json()) as { error: string }).error)})\n`);
    }
    rl.prompt();
  });
  rl.on('close', () => process.exit(0));
}

async function lastSeq(base: string, chat: string, auth: Record<string, string>): Promise<number> {
  const res = await fetch(`${base}/api/messages?chat=${encodeURIComponent(chat)}`, { headers: auth });
  if (!res.ok) fail(`BabyBot at ${base} refused the chat: ${((await res.json()) as { error: string }).error}`);
  const { messages } = (await res.json()) as { messages: { seq: number }[] };
  return messages.at(-1)?.seq ?? 0;
}

interface ChatEvent {
  text: string;
  fromAssistant: boolean;
  senderName?: string;
}

/** Reads a server-sent event stream and calls back with each message. */
async function follow(response: Response, onMessage: (message: ChatEvent) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').find((line) => line.startsWith('data: '));
      if (data) onMessage(JSON.parse(data.slice(6)) as ChatEvent);
    }
  }
}
