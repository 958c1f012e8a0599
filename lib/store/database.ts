// The store's database: the SQLite file, its pragmas and migrations, and transactions.
// The tables' own code is in the files
// named for the features that own them (messages.ts, groups.ts, deliveries.ts,
// whatsapp-auth.ts), each a layer over this one; store.ts is the whole.
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export class SchemaTooNewError extends Error {
  constructor(file: string, found: number) {
    super(
      `The database ${file} has schema version ${found}, but this BabyBot understands up to ${SCHEMA_VERSION}. ` +
        'It was written by a newer BabyBot: upgrade BabyBot, or point DATA_DIR elsewhere. The file was not changed.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export class StoreDatabase {
  /** Only the store's own layers write SQL; everything else calls their methods (or transaction()). */
  protected readonly db: Database.Database;

  protected constructor(db: Database.Database, readonly file: string) {
    this.db = db;
    db.pragma('busy_timeout = 5000');
    // Refuse a newer schema before anything writes to the file (even switching it to WAL).
    if (this.schemaVersion > SCHEMA_VERSION) {
      const found = this.schemaVersion;
      db.close();
      throw new SchemaTooNewError(file, found);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    this.migrate();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    for (let version = this.schemaVersion; version < SCHEMA_VERSION; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version]);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs fn in one SQLite transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A trivial query: the health check's proof the file is open and readable. */
  ping(): void {
    this.db.prepare('SELECT 1').get();
  }
}
