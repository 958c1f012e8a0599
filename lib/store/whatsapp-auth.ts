// WhatsApp's auth state (Baileys' credentials and keys), kept with everything else in the owner-only file.
import { DeliveryStore } from './deliveries.js';

export class WhatsAppAuthStore extends DeliveryStore {
  // ---- WhatsApp auth state ----

  authGet(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM whatsapp_auth WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Writes a batch of auth keys atomically: Baileys' key updates must land all or nothing. */
  authSetMany(entries: Record<string, string | null>): void {
    const upsert = this.db.prepare(
      'INSERT INTO whatsapp_auth (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    const remove = this.db.prepare('DELETE FROM whatsapp_auth WHERE key = ?');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(entries)) {
        if (value === null) remove.run(key);
        else upsert.run(key, value);
      }
    })();
  }

  authClear(): void {
    this.db.prepare('DELETE FROM whatsapp_auth').run();
  }
}
