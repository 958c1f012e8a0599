// Small values a channel keeps across restarts (Telegram's update offset, its linked owner),
// in the store beside the messages they guard, so "stored" and "confirmed" share one file.
import { WhatsAppAuthStore } from './whatsapp-auth.js';

export class ChannelStateStore extends WhatsAppAuthStore {
  channelState(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM channel_state WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setChannelState(key: string, value: string | undefined): void {
    if (value === undefined) this.db.prepare('DELETE FROM channel_state WHERE key = ?').run(key);
    else this.db.prepare('INSERT INTO channel_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
