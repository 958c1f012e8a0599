// Chat commands: a message that is only `/help`, `/status`, `/stop`, `/new`, `/compact` or
// `/model [name]` controls the group instead of calling the model. The channel recognises one
// and sends it to the group's workflow as an update (temporal/group-starter.ts), which answers
// it beside the running turn (workflows/group-commands.ts). Who may use which is decided here,
// once, for every channel: the workflow applies it with what the channel read from the store.

/** The delivery key of a command's reply starts so: `command:<message key>`, one reply per command message. */
export const COMMAND_DELIVERY_PREFIX = 'command:';

export const COMMAND_NAMES = ['help', 'status', 'stop', 'new', 'compact', 'model', 'approve', 'deny', 'agents'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** A command's words after its name: a model name, a folder. More, or longer, is a message, not a command. */
const MAX_ARGS = 2;
const MAX_ARG_CHARS = 200;

export interface ParsedCommand {
  name: CommandName;
  args: string[];
}

/** The command a message is, when it is nothing but one (`/Model  qwen2.5:7b` included); undefined otherwise. */
export function parseCommand(text: string): ParsedCommand | undefined {
  const match = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!match) return undefined;
  const name = match[1].toLowerCase() as CommandName;
  if (!COMMAND_NAMES.includes(name)) return undefined;
  const args = (match[2] ?? '').split(/\s+/).filter(Boolean);
  if (args.length > MAX_ARGS || args.some((arg) => arg.length > MAX_ARG_CHARS)) return undefined;
  return { name, args };
}

/** Who asks, as the channel read it from the store when the command arrived. */
export interface CommandAsker {
  /** The owner (the linked WhatsApp account; every local chat is the owner's own). */
  fromOwner: boolean;
  /** The command came from the main chat: the owner's. */
  inMain: boolean;
  /** The asker's message started the turn running now. */
  startedRunningTurn: boolean;
}

/** Who may use each command, in the words /help and a refusal use. */
export const WHO_MAY: Record<CommandName, string> = {
  help: 'everyone in the chat',
  status: 'everyone in the chat',
  stop: 'the owner, and the member whose message started the running turn',
  new: 'the owner',
  compact: 'the owner',
  model: 'the owner (anyone may see the model with /model alone)',
  approve: 'the owner',
  deny: 'the owner',
  agents: 'everyone in the chat (to stop one: the owner)',
};

const WHAT: Record<CommandName, string> = {
  help: 'this list',
  status: 'what runs now, what is queued, the model, the last failure, the tasks',
  stop: 'stops the running answer (what is queued stays)',
  new: 'starts a fresh conversation: earlier messages are no longer read (memory stays)',
  compact: 'summarises the conversation so far into memory and continues from the summary',
  model: 'shows the model; /model <name> sets it for this chat',
  approve: 'lets a tool call that waits for you run (/approve <number>)',
  deny: 'refuses it (/deny <number>); the model is told',
  agents: "lists this chat's running sub-agents (main: every chat's); /agents stop <id> stops one",
};

export type Permission = { ok: true } | { ok: false; why: string };

export function mayUse(command: ParsedCommand, asker: CommandAsker): Permission {
  if (asker.fromOwner || asker.inMain) return { ok: true };
  const { name } = command;
  if (name === 'help' || name === 'status') return { ok: true };
  if ((name === 'model' || name === 'agents') && command.args.length === 0) return { ok: true };
  if (name === 'stop' && asker.startedRunningTurn) return { ok: true };
  const what = name === 'model' ? ' <name>' : name === 'agents' ? ' stop' : '';
  const who = name === 'agents' ? 'the owner' : WHO_MAY[name].replace(/ \(.*\)$/, '');
  return { ok: false, why: `Only ${who} may use /${name}${what} here.` };
}

/** The /help answer: each command, what it does, and who may use it. */
export function helpText(inMain: boolean): string {
  const usage: Partial<Record<CommandName, string>> = { model: ' [name]', approve: ' <number>', deny: ' <number>', agents: ' [stop <id>]' };
  const lines = COMMAND_NAMES.map((name) => `/${name}${usage[name] ?? ''}: ${WHAT[name]}. Who: ${WHO_MAY[name]}.`);
  if (inMain) lines.push('In the main chat, /model <folder> <name> sets another group\'s model.');
  return ['Commands (send the command alone; no trigger word needed):', ...lines].join('\n');
}
