// What a turn did, read from its history the way the Web UI shows it: every model step's
// reply and every tool step's input and result, in order. The real-model tests and the agent
// bench judge a turn by these effects, never by its wording.
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { workflowResult } from '../support/workflow-result.js';
import type { AgentTurnResult, ModelChatInput, ModelReply, ToolInvocation } from '../../contracts/types.js';

export interface ToolStep {
  tool: string;
  args: Record<string, unknown>;
  result?: string;
  failure?: string;
}

export interface TurnRecord {
  result: AgentTurnResult;
  modelSteps: ModelReply[];
  /** The system prompt each model step was sent. */
  systemPrompts: string[];
  /** The host's note that opens the conversation of each model step (the group's own part: its chat, its memory). */
  hostNotes: string[];
  tools: ToolStep[];
}

const TOOL_STEPS = new Set(['runHostTool', 'runSandboxTool']);

/** Waits for the turn to end and reads its steps. */
export async function turnRecord(client: Client, turnId: string): Promise<TurnRecord> {
  const handle = client.workflow.getHandle(turnId);
  // The group's workflow starts the turn a moment after the message is accepted.
  const result = await workflowResult<AgentTurnResult>(client, turnId, 120_000);
  const history = await handle.fetchHistory();
  const scheduled = new Map<string, { type: string; step: ToolStep | { reply?: ModelReply } }>();
  const modelSteps: { reply?: ModelReply }[] = [];
  const tools: ToolStep[] = [];
  const systemPrompts: string[] = [];
  const hostNotes: string[] = [];
  const decode = (payloads?: { payloads?: unknown[] | null } | null) => {
    const payload = payloads?.payloads?.[0];
    return payload ? defaultPayloadConverter.fromPayload(payload as never) : undefined;
  };
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) {
      const type = s.activityType?.name ?? '';
      if (type === 'chat') {
        const step = {};
        const { messages } = decode(s.input) as ModelChatInput;
        systemPrompts.push(messages[0]?.content ?? '');
        hostNotes.push(messages[1]?.content ?? '');
        modelSteps.push(step);
        scheduled.set(String(event.eventId), { type, step });
      } else if (TOOL_STEPS.has(type)) {
        const invocation = decode(s.input) as ToolInvocation;
        const step: ToolStep = { tool: invocation.tool, args: invocation.args };
        tools.push(step);
        scheduled.set(String(event.eventId), { type, step });
      }
    }
    const done = event.activityTaskCompletedEventAttributes;
    const entry = done && scheduled.get(String(done.scheduledEventId));
    if (entry) {
      if (entry.type === 'chat') (entry.step as { reply?: ModelReply }).reply = decode(done.result) as ModelReply;
      else (entry.step as ToolStep).result = decode(done.result) as string;
    }
    const failed = event.activityTaskFailedEventAttributes;
    const failedEntry = failed && scheduled.get(String(failed.scheduledEventId));
    if (failedEntry && failedEntry.type !== 'chat') (failedEntry.step as ToolStep).failure = failed.failure?.message ?? '';
  }
  return { result, systemPrompts, hostNotes, modelSteps: modelSteps.flatMap((s) => (s.reply ? [s.reply] : [])), tools };
}

/** Whether text a person received carries a tool call as the model wrote it. */
export function looksLikeRawCall(text: string): boolean {
  return /<\/?tool_call>|"name"\s*:\s*"[a-z_]+"\s*,\s*"(arguments|parameters)"/i.test(text);
}
