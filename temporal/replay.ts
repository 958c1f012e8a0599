// Replays a recorded history against workflow code: the check that a change to the
// workflows does not break runs already in flight (a replay that issues different
// commands than the history recorded is a determinism violation, TMPRL1100).
import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export type History = temporal.api.history.v1.IHistory;

export type ReplayOutcome =
  | { ok: true; workflowId: string; events: number; ms: number }
  | { ok: false; workflowId: string; events: number; determinism: boolean; message: string };

export async function fetchRunHistory(client: Client, workflowId: string, runId?: string): Promise<History> {
  return client.workflow.getHandle(workflowId, runId).fetchHistory();
}

/**
 * Reads an exported history: the Web UI's download, `temporal workflow show --output json`
 * or `historyToJSON`. (Plain JSON.stringify of a fetched history does not round-trip.)
 */
export function readHistoryFile(file: string): History {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Could not read ${file} as JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new Error(`${file} is not an exported workflow history (no "events" list). Export one from the Web UI (Download) or with \`temporal workflow show --output json\`.`);
  }
  return historyFromJSON(json);
}

/** The workflow id a history was recorded for, when its start event says (exports carry none). */
export function workflowIdOf(history: History, fallback: string): string {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return started?.workflowId || fallback;
}

export async function replayHistory(
  workflowBundle: WorkflowBundleWithSourceMap,
  history: History,
  workflowId: string,
): Promise<ReplayOutcome> {
  const events = history.events?.length ?? 0;
  const started = Date.now();
  try {
    await Worker.runReplayHistory({ workflowBundle, replayName: `replay ${workflowId}` }, history, workflowId);
    return { ok: true, workflowId, events, ms: Date.now() - started };
  } catch (error) {
    const err = error as Error;
    const determinism = err.name === 'DeterminismViolationError' || /TMPRL1100|nondetermin/i.test(err.message);
    return { ok: false, workflowId, events, determinism, message: err.message };
  }
}

/** What a person reads about a replay: OK, or what changed and what to do about it. */
export function describeReplay(outcome: ReplayOutcome, source: string): string {
  if (outcome.ok) return `OK: ${source} (${outcome.events} events) replays against the current workflow code (${outcome.ms}ms).`;
  if (outcome.determinism) {
    return (
      `DETERMINISM VIOLATION: ${source} (${outcome.events} events) does not replay against the current workflow code.\n` +
      `  ${outcome.message}\n` +
      'The workflow code now issues different commands than this run recorded, so runs in flight would fail when a worker picks them up.\n' +
      'If the change is intended, guard it with patched() (workflow versioning) so old runs keep the old path, then re-record the histories (see the README).'
    );
  }
  return `REPLAY FAILED: ${source} (${outcome.events} events) could not be replayed: ${outcome.message}`;
}
