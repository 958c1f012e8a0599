// `babybot migrate-embedded --to ADDRESS`: moves an installation that ran on the embedded
// Temporal server to a cluster without losing anyone's tasks or pending messages. BabyBot
// must be stopped: the command starts the embedded server from DATA_DIR itself, so no
// message can reach the old server while it moves.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { Store } from '../lib/store/store.js';
import { ensureTemporalCli } from '../temporal/cli-binary.js';
import { DevServer } from '../temporal/dev-server.js';
import { migrateEmbedded } from '../temporal/embedded-migration.js';
import { createGroupStarter } from '../temporal/group-starter.js';
import { ensureSearchAttributes } from '../temporal/namespace.js';
import { taskQueues } from '../contracts/task-queue-names.js';
import { commandContext, fail } from './context.js';

export interface MigrateFlags {
  to: string;
}

export async function migrateEmbeddedCommand(flags: MigrateFlags): Promise<void> {
  const { config } = commandContext();
  if (!/^[\w.-]+:\d+$/.test(flags.to)) fail(`--to ${flags.to}: give the cluster's frontend as host:port, e.g. temporal.example.lan:7233.`, 2);
  if (config.TEMPORAL_ADDRESS) {
    fail(`TEMPORAL_ADDRESS is set (${config.TEMPORAL_ADDRESS}): this installation does not use the embedded server, there is nothing to move.`, 2);
  }
  const dbFile = path.join(config.dataDir, 'temporal.db');
  if (!fs.existsSync(dbFile)) fail(`No embedded server data at ${dbFile}: check DATA_DIR (nothing was moved).`);
  const running = runningServerPid(config.dataDir, dbFile);
  if (running !== undefined) {
    fail(`BabyBot's embedded server is running (pid ${running}): stop BabyBot first, so no message reaches the old server while it moves, then run this again.`);
  }

  const namespace = config.TEMPORAL_NAMESPACE;
  const server = new DevServer({
    cli: await ensureTemporalCli(config.TEMPORAL_CLI, (line) => process.stdout.write(`${line}\n`)),
    dataDir: config.dataDir,
    // The installation's own port: BabyBot is stopped, so nothing else uses it.
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    namespaces: [namespace],
    headless: true,
  });
  const store = Store.openIn(config.dataDir);
  let destinationConnection: Connection | undefined;
  let sourceConnection: Connection | undefined;
  try {
    try {
      destinationConnection = await Connection.connect({ address: flags.to, connectTimeout: 10_000 });
      await ensureNamespace(destinationConnection, namespace, config.TEMPORAL_RETENTION);
    } catch (error) {
      fail(`No Temporal cluster answers at ${flags.to} (namespace ${namespace}): ${(error as Error).message}\nNothing was moved.`);
    }
    process.stdout.write(`Starting the embedded server from ${dbFile}…\n`);
    await server.start();
    sourceConnection = await Connection.connect({ address: server.address });
    const destination = new Client({ connection: destinationConnection, namespace });
    const report = await migrateEmbedded(
      {
        source: new Client({ connection: sourceConnection, namespace }),
        destination,
        ensureSearchAttributes: () => ensureSearchAttributes(destinationConnection!, namespace),
        groupByFolder: (folder) => store.groupByFolder(folder),
        storedMessage: (chat, id) => store.getMessage(chat, id),
        pendingInStore: () => store.pendingHandoffs().length,
        handOver: createGroupStarter(destination, taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX), 100),
        log: (line) => process.stdout.write(`  ${line}\n`),
      },
      flags.to,
    );
    process.stdout.write(
      [
        `Moved to ${flags.to} (namespace ${namespace}):`,
        `  schedules (tasks): ${report.schedulesCopied.length} copied, ${report.schedulesAlreadyThere.length} already there; paused on the embedded server`,
        `  unanswered messages: ${report.messagesHandedOver} handed to the cluster's group workflows (${report.groupsClosed.length} embedded group workflows closed)`,
        `  messages stored but never handed over: ${report.messagesStillInStore}, handed over when BabyBot starts against the cluster`,
        `  search attributes: registered`,
        '',
        `Closed runs' history stays behind: past turns and task runs remain in ${dbFile} and are not on the cluster`,
        `(a Temporal cluster cannot import another server's history). Keep that file if you want to look at them.`,
        '',
        `Next: start BabyBot with TEMPORAL_ADDRESS=${flags.to}${namespace === 'default' ? '' : ` TEMPORAL_NAMESPACE=${namespace}`}.`,
        '',
      ].join('\n'),
    );
  } finally {
    await sourceConnection?.close();
    await destinationConnection?.close();
    await server.stop();
    store.close();
  }
}

/** The pid of an embedded server still serving this DATA_DIR (the record DevServer writes). */
function runningServerPid(dataDir: string, dbFile: string): number | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(dataDir, 'temporal-server.json'), 'utf8')) as { pid: number };
    process.kill(record.pid, 0);
    return fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').includes(dbFile) ? record.pid : undefined;
  } catch {
    return undefined;
  }
}

/** The namespace on the cluster, created (with BabyBot's retention) when it is missing. */
async function ensureNamespace(connection: Connection, namespace: string, retentionMs: number): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (error) {
    if ((error as { code?: number }).code !== 5) throw error; // NOT_FOUND
  }
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionMs) });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
