// What a chat's running turn is doing right now, for the web chat: a minute of silence while
// a CPU reads the prompt reads as broken. Read the way the Web UI reads it: the group
// workflow's running child (the turn), and that turn's pending step with its last
// heartbeat (the model step beats every 2 s with its phase and tokens). Nothing is kept
// in the process: each call asks Temporal.
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { groupWorkflowId } from '../contracts/ids.js';

export interface TurnProgress {
  turn: string;
  /** The pending step's activity: chat (the model), runSandboxTool, runHostTool, deliver… */
  step: string;
  /** The model step's phase: loading, reading prompt, writing. */
  phase?: string;
  /** Tokens written so far in this step, and the prompt's size as estimated before it was sent. */
  tokens?: number;
  promptTokens?: number;
  elapsedMs?: number;
}

const PHASES = new Set(['loading', 'reading prompt', 'writing']);
const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined);

/** The running turn of a group and its current step; undefined when the group is idle. */
export async function turnProgress(client: Client, folder: string): Promise<TurnProgress | undefined> {
  const group = await client.workflow.getHandle(groupWorkflowId(folder)).describe().catch(() => undefined);
  const child = group?.raw.pendingChildren?.find((c) => c.workflowId?.startsWith('turn:'));
  if (!child?.workflowId) return undefined;
  const turn = await client.workflow.getHandle(child.workflowId).describe().catch(() => undefined);
  const pending = turn?.raw.pendingActivities?.[0];
  if (!pending) return { turn: child.workflowId, step: 'thinking' };
  const payload = pending.heartbeatDetails?.payloads?.[0];
  const beat = payload ? (defaultPayloadConverter.fromPayload(payload) as Record<string, unknown>) : {};
  // Only known fields, checked: the page shows them as they are.
  const phase = typeof beat.phase === 'string' && PHASES.has(beat.phase) ? beat.phase : undefined;
  return {
    turn: child.workflowId,
    step: pending.activityType?.name ?? 'step',
    ...(phase ? { phase } : {}),
    ...(count(beat.tokens) !== undefined ? { tokens: count(beat.tokens) } : {}),
    ...(count(beat.estimatedPromptTokens) ? { promptTokens: count(beat.estimatedPromptTokens) } : {}),
    ...(count(beat.elapsedMs) !== undefined ? { elapsedMs: count(beat.elapsedMs) } : {}),
  };
}
