// `babybot agents list|stop`: the sub-agents running now (from the store: whose, since when,
// their brief), and stopping one (a cancellation through Temporal: its steps end, a waiting
// turn reads it as cancelled, a background one tells its chat). The owner's view: every group.
import { Command } from 'commander';
import { listAgents, stopAgent } from '../activities/agent-control.js';
import { Store } from '../lib/store/store.js';
import { commandContext, fail } from './context.js';
import { connectForInspection } from './temporal-client.js';
import { terminalText } from './terminal-text.js';

export function agentsCommand(): Command {
  const command = new Command('agents').description('sub-agents (the delegate tool): list the running ones, stop one');
  command.command('list').description('running sub-agents of every group, with their turn and brief').action(listCommand);
  command.command('stop').description('stop a sub-agent (cancels its run)').argument('<id>', 'as listed, e.g. agent:main:m1:2').action(stopCommand);
  return command;
}

function listCommand(): void {
  const { config } = commandContext();
  const store = Store.openIn(config.dataDir);
  try {
    const text = listAgents({ store, cancelAgent: async () => {}, deadlineMs: config.AGENT_DEADLINE }, 'owner');
    process.stdout.write(`${terminalText(text)}\n`);
  } finally {
    store.close();
  }
}

async function stopCommand(id: string): Promise<void> {
  const { config } = commandContext();
  const store = Store.openIn(config.dataDir);
  const temporal = await connectForInspection(config);
  try {
    const cancelAgent = async (agentId: string) => void (await temporal.client.workflow.getHandle(agentId).cancel());
    process.stdout.write(`${terminalText(await stopAgent({ store, cancelAgent, deadlineMs: config.AGENT_DEADLINE }, 'owner', id))}\n`);
  } catch (error) {
    fail((error as Error).message);
  } finally {
    await temporal.close();
    store.close();
  }
}
