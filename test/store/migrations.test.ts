// Migrations are forward-only and each runs in ONE transaction of its own, on SQLite and on
// PostgreSQL: a migration that fails half-way (after creating a table and changing rows) leaves
// the database exactly as it was before it, and says which migration failed and where the
// database stands. `migrate --dry-run` says what would run, with a line each, and changes nothing.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateStore } from '../../src/app/upgrade.js';
import { MIGRATIONS, type Store } from '../../src/store/db.js';
import { MigrationError, runMigrations, type MigrationStep } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { runCli } from '../support/cli.js';
import { compareRows, storeRows } from '../support/compare-stores.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { loadFixture } from '../support/upgrade-fixtures.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const LAST = MIGRATIONS.at(-1)!.name;

const applied = async (db: Store) =>
  (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);
const tableNames = async (db: Store) => (await db.introspection.getTables()).map((t) => t.name);

/** Creates a table, changes every workspace's slug, then fails: all of it must be undone. */
const broken: MigrationStep = {
  name: '999-broken',
  description: 'a migration that fails half-way (test only)',
  up: async (db) => {
    await db.schema.createTable('half_made').addColumn('id', 'text').execute();
    await sql`update workspaces set slug = 'changed-by-a-failed-migration'`.execute(db);
    throw new Error('deliberate failure after a CREATE TABLE and an UPDATE');
  },
};

const addsTable: MigrationStep = {
  name: '998-adds-table',
  description: 'adds a table (test only)',
  up: async (db) => {
    await db.schema.createTable('kept_from_998').addColumn('id', 'text').execute();
  },
};

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  let database: TestDatabase;
  let db: Store;

  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'migrations');
    db = await openStore(database.location, { poolMax: 2 });
    await createWorkspace(db, 'cs-team', ['ourco.com'], NOW);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('a failing migration is rolled back whole, names itself, and the database is as it was', async () => {
    const before = await storeRows(db);
    const err = await runMigrations(db, [...MIGRATIONS, broken]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toBe(
      `database migration 999-broken failed and was rolled back; the database is left at ${LAST}, as before: deliberate failure after a CREATE TABLE and an UPDATE`,
    );
    expect(await tableNames(db)).not.toContain('half_made');
    const after = await storeRows(db);
    expect(compareRows(before, after)).toMatchObject({ missing: [], dropped: [], countChanged: [] });
    expect(compareRows(after, before).missing).toEqual([]);
    expect(await applied(db)).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('the migrations before the failing one stay applied, each having committed on its own', async () => {
    const err = await runMigrations(db, [...MIGRATIONS, addsTable, broken]).catch((e: unknown) => e);
    expect((err as Error).message).toContain('999-broken failed and was rolled back; the database is left at 998-adds-table, as before');
    expect(await tableNames(db)).toContain('kept_from_998');
    expect(await applied(db)).toEqual([...MIGRATIONS.map((m) => m.name), '998-adds-table']);
    // The next run of the current code leaves a newer release's migration alone (rolling deploys).
    expect(await runMigrations(db, MIGRATIONS)).toEqual([]);
  });

  it('migrate --dry-run on an up-to-date store says so', async () => {
    const r = await runCli(['--db', database.location, 'migrate', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is up to date');
  });
});

describe.each(DIALECTS)('processes migrating a new database at once (%s)', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect, 'migrate-race');
  });
  afterAll(async () => database?.drop());

  it('four processes starting together: each succeeds, every migration runs once', async () => {
    const runs = await Promise.all([0, 1, 2, 3].map(() => runCli(['--db', database.location, 'migrate', '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const ran = runs.flatMap((r) => (JSON.parse(r.stdout) as { migrations: { name: string }[] }).migrations.map((m) => m.name));
    expect(ran.sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    const db = await openStore(database.location, { migrate: false, poolMax: 2 });
    expect(await applied(db)).toEqual(MIGRATIONS.map((m) => m.name));
    await db.destroy();
  });
});

describe('the rolling-deploy rule, read from the migrations themselves', () => {
  it('no migration drops or renames a table or column (the previous release may still read it)', () => {
    const dir = path.resolve(import.meta.dirname, '../../src/store/migrations');
    const offending: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      // Only `up` runs (forward-only); `down` may drop what `up` made.
      const up = readFileSync(path.join(dir, file), 'utf8').split(/export async function down/)[0]!;
      for (const m of up.matchAll(
        /\.(dropTable|dropColumn|renameTo|renameColumn)\(|\b(drop\s+table|drop\s+column|rename\s+(to|column))\b/gi,
      )) {
        offending.push(`${file}: ${m[0]}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe('migrate --dry-run on a 0.1.0 database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await loadFixture('sqlite', 'dry-run');
  });
  afterAll(async () => database?.drop());

  it('every migration says in one line what it changes', () => {
    for (const m of MIGRATIONS) expect(m.description, m.name).not.toBe('(no description given)');
  });

  it('lists the migrations that would run with what each changes, and changes nothing', async () => {
    const open = () => openStore(database.location, { migrate: false });
    const db = await open();
    const before = await storeRows(db);
    const beforeApplied = await applied(db);
    await db.destroy();

    const pending = MIGRATIONS.filter((m) => !beforeApplied.includes(m.name));
    const report = await migrateStore(database.location, { dryRun: true });
    expect(report.migrations).toEqual(pending.map((m) => ({ name: m.name, description: m.description })));

    const r = await runCli(['--db', database.location, 'migrate', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Would run ${pending.length} migration(s)`);
    for (const m of pending) expect(r.stdout).toContain(`  ${m.name}: ${m.description}`);
    expect(r.stdout).toContain('Nothing was changed (--dry-run).');

    const again = await open();
    expect(await applied(again)).toEqual(beforeApplied);
    expect(compareRows(before, await storeRows(again))).toMatchObject({ missing: [], dropped: [], countChanged: [] });
    expect(await tableNames(again)).not.toContain('tombstones');
    await again.destroy();
  });
});
