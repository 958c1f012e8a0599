// The delivery log: each reply keyed by its turn's run, so a retry never sends it twice.
import { ApprovalStore } from './approvals.js';
import type { Media, NewMessage, StoredMessage } from './messages.js';

export class DeliveryStore extends ApprovalStore {
  // ---- deliveries ----

  delivery(key: string): { key: string; chat: string; messageId: string; status: 'sending' | 'sent' } | undefined {
    const row = this.db.prepare('SELECT key, chat, message_id, status FROM deliveries WHERE key = ?').get(key) as
      | { key: string; chat: string; message_id: string; status: 'sending' | 'sent' }
      | undefined;
    return row && { key: row.key, chat: row.chat, messageId: row.message_id, status: row.status };
  }

  /** The delivery that sent (or is sending) the message with this id: BabyBot's own message. */
  deliveryByMessageId(messageId: string): { key: string; chat: string; status: 'sending' | 'sent' } | undefined {
    return this.db.prepare('SELECT key, chat, status FROM deliveries WHERE message_id = ? LIMIT 1').get(messageId) as
      | { key: string; chat: string; status: 'sending' | 'sent' }
      | undefined;
  }

  recordDelivery(key: string, chat: string, messageId: string, status: 'sending' | 'sent'): void {
    this.db
      .prepare(
        `INSERT INTO deliveries (key, chat, message_id, status, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET status = excluded.status, message_id = excluded.message_id, updated_at = excluded.updated_at`,
      )
      .run(key, chat, messageId, status, new Date().toISOString());
  }

  /**
   * Stores the assistant's reply and its delivery record in one transaction, so a retried
   * delivery (after a crash between the two) finds it sent and stores nothing twice.
   */
  recordAssistantMessage(key: string, message: NewMessage, media?: Media): { alreadySent: boolean; message: StoredMessage } {
    let stored: StoredMessage | undefined;
    let alreadySent = false;
    this.db.transaction(() => {
      const existing = this.delivery(key);
      if (existing?.status === 'sent') {
        alreadySent = true;
        stored = this.getMessage(existing.chat, existing.messageId);
        return;
      }
      this.db
        .prepare(
          `INSERT INTO messages (chat, id, sender, sender_name, text, timestamp, from_assistant, handoff)
           VALUES (?, ?, ?, ?, ?, ?, 1, 'none') ON CONFLICT (chat, id) DO NOTHING`,
        )
        .run(message.chat, message.id, message.sender, message.senderName ?? null, message.text, message.timestamp);
      if (media) this.insertMedia(message.chat, message.id, media);
      this.recordDelivery(key, message.chat, message.id, 'sent');
      stored = this.getMessage(message.chat, message.id);
    })();
    if (!alreadySent && stored) this.emit(stored);
    return { alreadySent, message: stored! };
  }
}
