// The store every layer above sees: one Kysely<DB>, migrated on open. The two databases
// live in dialects/ (sqlite.ts, the embedded default; postgres.ts), chosen in open.ts.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-service.js';
import * as m003 from './migrations/003-drop-message-id-index.js';
import * as m004 from './migrations/004-audit-by-workspace.js';
import * as m005 from './migrations/005-token-expiry.js';
import * as m006 from './migrations/006-tombstones.js';
import * as m007 from './migrations/007-find-indexes.js';
import * as m008 from './migrations/008-folder-counts.js';
import * as m009 from './migrations/009-audit-source-token-teammate-oauth-states.js';
import type { DB } from './schema.js';

export type Store = Kysely<DB>;

const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-service': m002,
  '003-drop-message-id-index': m003,
  '004-audit-by-workspace': m004,
  '005-token-expiry': m005,
  '006-tombstones': m006,
  '007-find-indexes': m007,
  '008-folder-counts': m008,
  '009-audit-source-token-teammate-oauth-states': m009,
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export class StoreError extends Error {}

export async function migrate(db: Store): Promise<void> {
  // SQLite gives Kysely no migration lock across processes: when two processes open a new
  // database at once, both migrate and the loser fails ("table … already exists"). Its
  // retry finds the migration recorded and has nothing left to do.
  for (let attempt = 1; ; attempt++) {
    const migrator = new Migrator({ db, provider: new InCodeMigrations() });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (!error && !failed) return;
    if (attempt >= 5) {
      throw new StoreError(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`);
    }
    await new Promise((r) => setTimeout(r, 25 * attempt + Math.random() * 50));
  }
}
