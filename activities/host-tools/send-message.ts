import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { sendMessage } from '../../workflows/tools/host-tools.js';
import { deliver } from '../delivery.js';
import type { HostToolHandler } from './types.js';

/** Sends to the turn's own chat; only the main group may send to another registered chat. */
export const sendMessageHandler: HostToolHandler = async (deps, invocation) => {
  const args = invocation.args as z.infer<typeof sendMessage.schema>;
  const target = args.chat ?? invocation.group.chat;
  if (target !== invocation.group.chat) {
    if (!invocation.group.isMain) {
      throw ApplicationFailure.nonRetryable('Only the main chat may send messages to other chats.', 'NotAllowed');
    }
    if (!deps.store.groupByJid(target)) {
      throw ApplicationFailure.nonRetryable(`"${target}" is not a registered chat.`, 'UnknownChat');
    }
  }
  // Keyed by the turn and the activity, the same across retries: a retry never sends twice.
  const key = `tool:${invocation.turnId}:${Context.current().info.activityId}`;
  const { messageId } = await deliver(deps, { key, chat: target, text: args.text });
  return `Sent to ${target} (message ${messageId}).`;
};
