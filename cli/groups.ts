// `babybot groups list|add|remove`: which chats BabyBot knows and which it answers in. These
// work on the store directly, so they are safe while BabyBot runs; then, when Temporal
// answers, the group's workflow and tasks follow (temporal/group-lifecycle.ts).
import type { Client } from '@temporalio/client';
import { Command } from 'commander';
import { parseApproveTools } from '../contracts/approvals.js';
import type { Config } from '../lib/config.js';
import { RegistrationError, registerGroup, unregisterGroup } from '../lib/group-registration.js';
import { Store } from '../lib/store/store.js';
import { restoreGroup, retireGroup } from '../temporal/group-lifecycle.js';
import { connectClient, temporalAddress } from '../temporal/connect.js';
import { TaskService } from '../tasks/task-service.js';
import { whenAnswered } from '../channel/inbound.js';
import { commandContext, fail } from './context.js';
import { terminalText } from './terminal-text.js';

export function groupsCommand(): Command {
  const command = new Command('groups').description('the chats BabyBot knows, and the ones it answers in');
  command.command('list').description('known chats with their names, which are registered, their folders and triggers').action(groupsListCommand);
  command
    .command('add')
    .description('register a chat: BabyBot answers there, with its own folder and memory')
    .argument('<jid>', 'the chat id from `babybot groups list`, e.g. 1203630xxxxxxxx@g.us')
    .argument('<folder>', 'the folder name: lowercase letters, digits and dashes')
    .option('--name <name>', "a display name (default: the chat's own name)")
    .option('--trigger <word>', 'the word that calls BabyBot, used as @WORD (default: ASSISTANT_NAME)')
    .option('--no-trigger', 'answer every message in this chat, not only when called')
    .option('--approve <tools>', 'tools whose calls wait for your yes in the main chat, e.g. run_command,send_file (APPROVE_TOOLS adds to it for groups that are not main)')
    .action(groupsAddCommand);
  command.command('remove').description('unregister a group (its folder stays on disk)').argument('<folder>').action(groupsRemoveCommand);
  return command;
}

function openStore(): { store: Store; assistantName: string; config: Config } {
  const { config } = commandContext();
  return { store: Store.openIn(config.dataDir), assistantName: config.ASSISTANT_NAME, config };
}

/**
 * Runs `act` against Temporal (TEMPORAL_ADDRESS, or a running BabyBot's embedded server) and
 * prints its line; when no server answers, says what happens instead (the registration in
 * the store is what counts: a run reads it at its next step).
 */
async function followInTemporal(config: Config, store: Store, act: (tasks: TaskService, client: Client) => Promise<string>, meanwhile: string): Promise<void> {
  const temporal = await connectClient(config).catch(() => undefined);
  if (!temporal) {
    process.stdout.write(`Temporal does not answer at ${temporalAddress(config)}: ${meanwhile}\n`);
    return;
  }
  try {
    const tasks = TaskService.forConfig(temporal.client, config, (folder) => store.groupByFolder(folder));
    process.stdout.write(`${await act(tasks, temporal.client)}\n`);
  } finally {
    await temporal.close();
  }
}

export function groupsListCommand(): void {
  const { store, assistantName } = openStore();
  const groups = new Map(store.listGroups().map((g) => [g.jid, g]));
  const chats = store.listChats();
  const rows = chats.map((chat) => ({ jid: chat.jid, name: chat.name ?? '', channel: chat.channel, group: groups.get(chat.jid) }));
  // Registered groups whose chat has not spoken yet are listed too.
  for (const group of groups.values()) {
    if (!chats.some((c) => c.jid === group.jid)) rows.push({ jid: group.jid, name: group.name, channel: '', group });
  }
  store.close();
  const table = [
    ['CHAT', 'NAME', 'CHANNEL', 'FOLDER', 'ANSWERS'],
    // Chat names and ids are chosen by whoever made the chat.
    ...rows.map((r) =>
      [r.jid, r.name, r.channel, r.group?.folder ?? '-', r.group ? whenAnswered(r.group, assistantName) : 'not registered'].map((cell) => terminalText(cell)),
    ),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()}\n`);
  if (rows.every((r) => r.group)) process.stdout.write('\nChats appear here once a message arrives in them.\n');
}

export interface AddFlags {
  name?: string;
  trigger?: string | boolean;
  approve?: string;
}

export async function groupsAddCommand(jid: string, folder: string, flags: AddFlags): Promise<void> {
  const { store, assistantName, config } = openStore();
  try {
    let approve: string[] | undefined;
    try {
      approve = flags.approve === undefined ? undefined : parseApproveTools(flags.approve);
    } catch (error) {
      fail(`--approve: ${(error as Error).message}`);
    }
    const group = registerGroup(store, {
      jid,
      folder,
      name: flags.name,
      // commander gives `--no-trigger` as trigger=false and `--trigger WORD` as the word.
      triggerWord: typeof flags.trigger === 'string' ? flags.trigger : undefined,
      requiresTrigger: flags.trigger !== false,
    });
    if (approve) store.setApproveTools(group.folder, approve.length ? approve : undefined);
    process.stdout.write(
      terminalText(`Registered ${group.name} (${group.jid}) in the folder "${group.folder}": BabyBot answers ${whenAnswered(group, assistantName)}.`) + '\n',
    );
    if (approve?.length) process.stdout.write(`Calls of ${approve.join(', ')} there wait for your approval in the main chat.\n`);
    await followInTemporal(
      config,
      store,
      async (tasks) => {
        const resumed = await restoreGroup(tasks, group.folder);
        return resumed.length ? `Resumed its tasks paused when the folder was unregistered: ${resumed.join(', ')}.` : 'It has no paused tasks to resume.';
      },
      'tasks paused when the folder was unregistered stay paused (`babybot tasks resume ID` once BabyBot runs).',
    );
  } catch (error) {
    if (error instanceof RegistrationError) fail(error.message);
    throw error;
  } finally {
    store.close();
  }
}

export async function groupsRemoveCommand(folder: string): Promise<void> {
  const { store, config } = openStore();
  try {
    const group = unregisterGroup(store, folder);
    process.stdout.write(`${terminalText(`Removed ${group.name} (${group.jid}); its folder and memory are kept on disk.`)}\n`);
    await followInTemporal(
      config,
      store,
      async (tasks, client) => {
        const retired = await retireGroup(client, tasks, folder);
        return (
          `${retired.endedWorkflow ? `Ended its workflow group:${folder}` : 'It had no running workflow'}; ` +
          `${retired.pausedTasks.length ? `paused its tasks ${retired.pausedTasks.join(', ')} (registering the folder again resumes them)` : 'it had no tasks to pause'}` +
          `${retired.stoppedAgents.length ? `; stopped its sub-agents ${retired.stoppedAgents.join(', ')}` : ''}.`
        );
      },
      'its runs refuse to post into the removed chat, and each of its tasks pauses itself at its next run.',
    );
  } catch (error) {
    if (error instanceof RegistrationError) fail(error.message);
    throw error;
  } finally {
    store.close();
  }
}
