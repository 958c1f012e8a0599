// The registered groups: which chat a folder answers, its trigger, its sandbox settings.
import { MessageStore } from './messages.js';

export interface Group {
  folder: string;
  jid: string;
  name: string;
  /** The word that calls the assistant in this group, without the @; null means the assistant's name. */
  triggerWord: string | null;
  requiresTrigger: boolean;
  isMain: boolean;
  /** Per-group sandbox overrides (memory, cpus, pids…), validated where they are used. */
  sandbox: Record<string, unknown>;
  addedAt: string;
}

interface GroupRow {
  folder: string;
  jid: string;
  name: string;
  trigger_word: string | null;
  requires_trigger: number;
  is_main: number;
  sandbox: string;
  added_at: string;
}

const toGroup = (row: GroupRow): Group => ({
  folder: row.folder,
  jid: row.jid,
  name: row.name,
  triggerWord: row.trigger_word,
  requiresTrigger: row.requires_trigger === 1,
  isMain: row.is_main === 1,
  sandbox: JSON.parse(row.sandbox) as Record<string, unknown>,
  addedAt: row.added_at,
});

export class GroupStore extends MessageStore {
  // ---- groups ----

  addGroup(group: Omit<Group, 'addedAt' | 'sandbox'> & { sandbox?: Record<string, unknown> }): Group {
    this.db
      .prepare(
        `INSERT INTO groups (folder, jid, name, trigger_word, requires_trigger, is_main, sandbox, added_at)
         VALUES (@folder, @jid, @name, @triggerWord, @requiresTrigger, @isMain, @sandbox, @addedAt)`,
      )
      .run({
        folder: group.folder,
        jid: group.jid,
        name: group.name,
        triggerWord: group.triggerWord,
        requiresTrigger: group.requiresTrigger ? 1 : 0,
        isMain: group.isMain ? 1 : 0,
        sandbox: JSON.stringify(group.sandbox ?? {}),
        addedAt: new Date().toISOString(),
      });
    return this.groupByFolder(group.folder)!;
  }

  removeGroup(folder: string): boolean {
    return this.db.prepare('DELETE FROM groups WHERE folder = ?').run(folder).changes > 0;
  }

  groupByFolder(folder: string): Group | undefined {
    const row = this.db.prepare('SELECT * FROM groups WHERE folder = ?').get(folder) as GroupRow | undefined;
    return row && toGroup(row);
  }

  groupByJid(jid: string): Group | undefined {
    const row = this.db.prepare('SELECT * FROM groups WHERE jid = ?').get(jid) as GroupRow | undefined;
    return row && toGroup(row);
  }

  listGroups(): Group[] {
    return (this.db.prepare('SELECT * FROM groups ORDER BY is_main DESC, folder').all() as GroupRow[]).map(toGroup);
  }

  /** On first start, `local:main` becomes the main group so a fresh install can be talked to at once. */
  ensureMainGroup(): void {
    if (this.listGroups().some((g) => g.isMain)) return;
    this.upsertChat({ jid: 'local:main', name: 'main', channel: 'local' });
    this.addGroup({ folder: 'main', jid: 'local:main', name: 'main', triggerWord: null, requiresTrigger: false, isMain: true });
  }
}
