// `touchpoint migrate [--dry-run]`: which of this release's migrations the store still needs,
// each with its one line of what it changes, and running them (each in its own transaction;
// store/migrate.ts). Every other command migrates on open too; this one lets an operator see
// the step before taking it (docs/operations.md, Upgrade). An operator's command on the
// database: no workspace role.
import { MIGRATIONS, StoreError } from '../store/db.js';
import { MigrationError, pendingMigrations, runMigrations } from '../store/migrate.js';
import { openStore } from '../store/open.js';

export interface MigrationLine {
  name: string;
  description: string;
}

export interface MigrationReport {
  /** With --dry-run: what would run; otherwise what ran. */
  migrations: MigrationLine[];
  dryRun: boolean;
  /** This release's last migration: where the store is (or will be) afterwards. */
  latest: string;
}

export async function migrateStore(location: string, opts: { dryRun?: boolean } = {}): Promise<MigrationReport> {
  const db = await openStore(location, { migrate: false, poolMax: 2 });
  try {
    const latest = MIGRATIONS.at(-1)!.name;
    const pending = await pendingMigrations(db, MIGRATIONS);
    const line = (m: MigrationLine) => ({ name: m.name, description: m.description });
    if (opts.dryRun) return { migrations: pending.map(line), dryRun: true, latest };
    const ran = new Set(
      await runMigrations(db, MIGRATIONS).catch((err) => {
        throw err instanceof MigrationError ? new StoreError(err.message) : err;
      }),
    );
    return { migrations: MIGRATIONS.filter((m) => ran.has(m.name)).map(line), dryRun: false, latest };
  } finally {
    await db.destroy();
  }
}
