// `babybot runs [--failed] [--group FOLDER] [--limit N]`: recent turns and task runs, each
// with its Web UI link, and for one that failed the cause, so "BabyBot said a run failed"
// is one click from the whole story. `babybot runs --stuck`: the groups that are stuck
// (temporal/stuck.ts), each with why and its links.
import { z } from 'zod';
import { formatDuration } from '../lib/duration.js';
import { listRuns, type RunSummary } from '../temporal/runs.js';
import { configuredTurnBoundMs, findStuckGroups, type StuckGroup } from '../temporal/stuck.js';
import { commandContext, fail } from './context.js';
import { groupFolder } from '../contracts/chat-ids.js';
import { connectForInspection } from './temporal-client.js';
import { terminalText } from './terminal-text.js';

const RunsFlags = z.object({
  failed: z.boolean().default(false),
  stuck: z.boolean().default(false),
  group: groupFolder.optional(),
  limit: z.coerce.number().int().min(1, 'at least 1').max(1000, 'at most 1000').default(20),
});

export async function runsCommand(flags: { failed?: boolean; stuck?: boolean; group?: string; limit?: string }): Promise<void> {
  const parsed = RunsFlags.safeParse(flags);
  if (!parsed.success) fail(`babybot runs: ${parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; ')}`, 2);
  if (parsed.data.stuck && parsed.data.failed) fail('babybot runs: --stuck lists groups, --failed lists runs: use one of them.', 2);
  const { config } = commandContext();
  const temporal = await connectForInspection(config);
  try {
    if (parsed.data.stuck) {
      const stuck = (await findStuckGroups(temporal.client, { turnBoundMs: configuredTurnBoundMs(config) })).filter(
        (group) => !parsed.data.group || group.folder === parsed.data.group,
      );
      if (stuck.length === 0) process.stdout.write(`No stuck groups in namespace ${temporal.namespace} at ${temporal.address}.\n`);
      for (const group of stuck) process.stdout.write(`${formatStuck(group, temporal.link)}\n`);
      return;
    }
    const runs = await listRuns(temporal.client, parsed.data);
    if (runs.length === 0) {
      const what = parsed.data.failed ? 'No failed turns or task runs' : 'No turns or task runs';
      process.stdout.write(`${what}${parsed.data.group ? ` in group ${parsed.data.group}` : ''} in namespace ${temporal.namespace} at ${temporal.address}.\n`);
      return;
    }
    for (const run of runs) process.stdout.write(`${formatRun(run, temporal.link(run.workflowId, run.runId))}\n`);
  } finally {
    await temporal.close();
  }
}

export function formatStuck(group: StuckGroup, link: (workflowId: string, runId?: string) => string | undefined): string {
  const lines = [`STUCK      group:${group.folder}  ${group.reason.split('\n')[0]}`];
  const where = (workflowId: string, runId: string) => link(workflowId, runId) ?? `${workflowId} run ${runId} (set TEMPORAL_UI_URL for a Web UI link)`;
  lines.push(`           ${where(group.workflowId, group.runId)}`);
  if (group.turn) lines.push(`           turn: ${where(group.turn.workflowId, group.turn.runId)}`);
  return lines.join('\n');
}

export function formatRun(run: RunSummary, link: string | undefined): string {
  const words = run.text ? `  "${firstWords(run.text)}"` : '';
  // A sub-agent is shown under its turn (listRuns puts it there), marked as its child.
  const child = run.parent ? '└ ' : '';
  const lines = [
    `${run.status.padEnd(10)} ${child}${run.workflowId}  group ${run.group ?? '?'}  started ${localTime(run.startTime)}  ` +
      `${run.closeTime ? 'took' : 'running for'} ${formatDuration(run.durationMs)}${words}`,
  ];
  if (run.cause) lines.push(`           cause: ${run.cause.split('\n')[0]}`);
  if (run.retryOf) lines.push(`           retry of run ${run.retryOf}`);
  lines.push(`           ${link ?? `run ${run.runId} (set TEMPORAL_UI_URL for a Web UI link)`}`);
  // Ids, texts and causes come from strangers' messages: each line is escaped on its own.
  return lines.map((line) => terminalText(line)).join('\n');
}

function firstWords(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max).replace(/\s+\S*$/, '')}…` : flat;
}

function localTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
