// `babybot approvals list|approve|deny`: the owner's answers from a terminal, the same as
// /approve and /deny in the main chat: stored once, then handed to the waiting turn.
import os from 'node:os';
import { Command } from 'commander';
import { decideApproval } from '../activities/approval-activities.js';
import { Store } from '../lib/store/store.js';
import { tellWaitingTurn } from '../temporal/approvals.js';
import { commandContext, fail } from './context.js';
import { connectForInspection } from './temporal-client.js';
import { terminalText } from './terminal-text.js';

export function approvalsCommand(): Command {
  const command = new Command('approvals').description('tool calls waiting for your yes');
  command.command('list').description('the questions waiting for an answer').action(listCommand);
  command.command('approve').description('let a waiting call run').argument('<number>').action((id: string) => decideCommand(id, true));
  command.command('deny').description('refuse a waiting call (the model is told)').argument('<number>').action((id: string) => decideCommand(id, false));
  return command;
}

function listCommand(): void {
  const { config } = commandContext();
  const store = Store.openIn(config.dataDir);
  try {
    const waiting = store.waitingApprovals();
    if (!waiting.length) process.stdout.write('Nothing waits for your approval.\n');
    for (const a of waiting) process.stdout.write(terminalText(`${a.id}  ${a.folder}  ${a.summary}  (asked ${a.askedAt}, ${a.turnId})`) + '\n');
  } finally {
    store.close();
  }
}

async function decideCommand(idText: string, approved: boolean): Promise<void> {
  const id = Number(idText);
  if (!Number.isInteger(id) || id <= 0) fail(`"${idText}" is not an approval number (\`babybot approvals list\` shows them).`);
  const { config } = commandContext();
  const store = Store.openIn(config.dataDir);
  const temporal = await connectForInspection(config);
  try {
    const by = `command line (${os.userInfo().username})`;
    const told = await decideApproval({ store, tellTurn: (turn, decision) => tellWaitingTurn(temporal.client, turn, decision) }, { id, approved, by });
    process.stdout.write(terminalText(told) + '\n');
  } catch (error) {
    fail(`The answer was stored, but the waiting turn could not be told: ${(error as Error).message}`);
  } finally {
    await temporal.close();
    store.close();
  }
}
