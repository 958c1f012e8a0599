// Sending a reply exactly once: the delivery log is keyed by what produced the reply, so
// an activity retried after a crash finds the send recorded and does not repeat it.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { OutboundRouter } from '../channel/outbound.js';
import type { Store } from '../lib/store/store.js';
import type { DeliveryRequest } from '../contracts/types.js';

export interface DeliveryDeps {
  store: Store;
  outbound: OutboundRouter;
  assistantName: string;
}

/** The same key always yields the same message id, so a resend after a crash is recognisable. */
export function messageIdFor(key: string): string {
  return `BB${createHash('sha256').update(key).digest('hex').slice(0, 18).toUpperCase()}`;
}

export async function deliver(deps: DeliveryDeps, request: DeliveryRequest): Promise<{ messageId: string; alreadySent: boolean }> {
  const logged = deps.store.delivery(request.key);
  if (logged?.status === 'sent') return { messageId: logged.messageId, alreadySent: true };
  // Only registered chats are written to: a run for a group that was removed (or moved to
  // another chat) since it started never posts into the old chat.
  if (!deps.store.groupByJid(request.chat)) {
    throw ApplicationFailure.nonRetryable(
      `The chat "${request.chat}" is not registered (any more), so nothing was sent there.`,
      'GroupNotRegistered',
    );
  }
  const channel = deps.outbound.channelFor(request.chat);
  if (!channel) {
    throw ApplicationFailure.nonRetryable(`No channel can deliver to the chat "${request.chat}".`, 'UnknownChat');
  }
  const messageId = logged?.messageId ?? messageIdFor(request.key);
  // 'sending' first: if we crash after the send, the retry reuses this message id.
  deps.store.recordDelivery(request.key, request.chat, messageId, 'sending');
  await channel.send(request.chat, request.text, messageId);
  deps.store.recordAssistantMessage(request.key, {
    chat: request.chat,
    id: messageId,
    sender: 'assistant',
    senderName: deps.assistantName,
    text: request.text,
    timestamp: new Date().toISOString(),
    fromAssistant: true,
  });
  // A channel clears "typing…" with a message; the turn is still working after an interim one.
  // Best effort: an indicator that cannot be shown is no reason to send the message again.
  if (request.interim) await channel.setTyping?.(request.chat, true).catch(() => undefined);
  return { messageId, alreadySent: false };
}
