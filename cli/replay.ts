// `babybot replay WORKFLOW_ID [--run RUN_ID]` and `babybot replay --file HISTORY.json`:
// replays a run's history against the workflow code of this checkout, and says OK or
// exactly which determinism error a worker running this code would hit.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { bundleWorkflows } from '../workers/worker-set.js';
import { describeReplay, fetchRunHistory, readHistoryFile, replayHistory, workflowIdOf, type History } from '../temporal/replay.js';
import { commandContext, fail } from './context.js';
import { connectForInspection } from './temporal-client.js';

export async function replayCommand(workflowId: string | undefined, flags: { run?: string; file?: string }): Promise<void> {
  if (!workflowId && !flags.file) fail('babybot replay: give a WORKFLOW_ID (e.g. turn:main:123) or --file HISTORY.json.', 2);
  if (workflowId && flags.file) fail('babybot replay: give either a WORKFLOW_ID or --file, not both.', 2);
  Runtime.install({ logger: new DefaultLogger('ERROR') });

  let history: History;
  let source: string;
  if (flags.file) {
    try {
      history = readHistoryFile(flags.file);
    } catch (error) {
      fail((error as Error).message);
    }
    source = flags.file;
  } else {
    const { config } = commandContext();
    const temporal = await connectForInspection(config);
    try {
      history = await fetchRunHistory(temporal.client, workflowId!, flags.run);
    } catch (error) {
      fail(`Could not fetch the history of ${workflowId}${flags.run ? ` run ${flags.run}` : ''} in namespace ${temporal.namespace}: ${(error as Error).message}\nList runs with \`babybot runs\`.`);
    } finally {
      await temporal.close();
    }
    source = `${workflowId}${flags.run ? ` run ${flags.run}` : ''}`;
  }

  const outcome = await replayHistory(await bundleWorkflows(), history, workflowIdOf(history, workflowId ?? 'replayed-from-file'));
  const text = describeReplay(outcome, source);
  if (!outcome.ok) fail(text);
  process.stdout.write(`${text}\n`);
}
