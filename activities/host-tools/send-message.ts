import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { sendMessage } from '../../contracts/tools/host-tools.js';
import { ALL_TOOL_NAMES } from '../../contracts/tools/index.js';
import { recogniseContentCalls } from '../content-tool-calls.js';
import { deliver } from '../delivery.js';
import type { HostToolHandler } from './types.js';

/** Sends to the turn's own chat; only the main group may send to another registered chat. */
export const sendMessageHandler: HostToolHandler = async (deps, invocation) => {
  const args = invocation.args as z.infer<typeof sendMessage.schema>;
  // A small model puts its next call into the text it sends: a person never receives one.
  if (recogniseContentCalls(args.text, ALL_TOOL_NAMES)) {
    throw ApplicationFailure.nonRetryable(
      'The text holds a tool call, and people never receive those: call the tool itself, and send only words.',
      'ToolCallInText',
    );
  }
  const target = args.chat ?? invocation.group.chat;
  if (target !== invocation.group.chat) {
    if (!invocation.group.isMain) {
      throw ApplicationFailure.nonRetryable('Only the main chat may send messages to other chats.', 'NotAllowed');
    }
    if (!deps.store.groupByJid(target)) {
      throw ApplicationFailure.nonRetryable(`"${target}" is not a registered chat.`, 'UnknownChat');
    }
  }
  // Keyed by this run, this step and what is sent: a retried step never sends twice, while a
  // new run of the turn (a Reset, `babybot retry`) decides afresh and sends what it decides,
  // even at the same position; the hash names the content in the delivery log.
  const { info } = Context.current();
  const content = createHash('sha256').update(`${target}\n${args.text}`).digest('hex').slice(0, 16);
  const run = info.workflowExecution ?? { workflowId: invocation.turnId, runId: '' };
  const key = `tool:${run.workflowId}:${run.runId}:${info.activityId}:${content}`;
  // A retried step finds it sent and answers as the first attempt did.
  const { messageId } = await deliver(deps, { key, chat: target, text: args.text });
  return `Sent to ${target} (message ${messageId}).`;
};
