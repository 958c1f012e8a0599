// What a group's chat commands set, kept by folder: its model (/model), where its
// conversation starts (/new, /compact) and the summary /compact wrote. The turns read them
// at each turn (activities/turn-context.ts), so a setting holds from the next turn on.
import { GroupStore } from './groups.js';

export interface GroupSettings {
  /** The group's own model; undefined: OLLAMA_MODEL. */
  model?: string;
  /** The turns read only messages with a greater seq (0: all). */
  contextAfterSeq: number;
  /** What /compact summarised of the conversation before contextAfterSeq. */
  summary?: string;
  /** ISO 8601: when that summary was written. */
  summaryAt?: string;
}

interface SettingsRow {
  model: string | null;
  context_after_seq: number;
  summary: string | null;
  summary_at: string | null;
}

export class GroupSettingsStore extends GroupStore {
  groupSettings(folder: string): GroupSettings {
    const row = this.db.prepare('SELECT * FROM group_settings WHERE folder = ?').get(folder) as SettingsRow | undefined;
    return {
      contextAfterSeq: row?.context_after_seq ?? 0,
      ...(row?.model ? { model: row.model } : {}),
      ...(row?.summary ? { summary: row.summary } : {}),
      ...(row?.summary_at ? { summaryAt: row.summary_at } : {}),
    };
  }

  /** Sets the group's model; undefined goes back to OLLAMA_MODEL. */
  setGroupModel(folder: string, model: string | undefined): void {
    this.db
      .prepare(`INSERT INTO group_settings (folder, model) VALUES (?, ?) ON CONFLICT (folder) DO UPDATE SET model = excluded.model`)
      .run(folder, model ?? null);
  }

  /**
   * The conversation starts after `seq` (never moves back: a repeated /new of an older message
   * changes nothing); with a summary, the turns read it instead of what came before.
   */
  startContextAfter(folder: string, seq: number, summary?: string): void {
    this.db
      .prepare(
        `INSERT INTO group_settings (folder, context_after_seq, summary, summary_at) VALUES (@folder, @seq, @summary, @at)
         ON CONFLICT (folder) DO UPDATE SET
           summary = CASE WHEN excluded.context_after_seq >= group_settings.context_after_seq THEN excluded.summary ELSE group_settings.summary END,
           summary_at = CASE WHEN excluded.context_after_seq >= group_settings.context_after_seq THEN excluded.summary_at ELSE group_settings.summary_at END,
           context_after_seq = MAX(group_settings.context_after_seq, excluded.context_after_seq)`,
      )
      .run({ folder, seq, summary: summary ?? null, at: summary ? new Date().toISOString() : null });
  }
}
