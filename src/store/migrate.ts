// The migration runner: forward-only, each migration in ONE transaction of its own (its DDL,
// its data changes and its row in kysely_migration commit together or not at all, on SQLite
// and on PostgreSQL). Kysely's Migrator ran SQLite migrations outside any transaction (its
// SQLite adapter declares no transactional DDL), so a migration failing half-way left half a
// schema; on PostgreSQL it ran every pending migration in one transaction. The bookkeeping
// tables stay Kysely's (kysely_migration, kysely_migration_lock), so a 0.1.0 database upgrades
// in place and 0.1.0's own Migrator still reads the list.
import { sql, type Kysely, type Migration } from 'kysely';
import { dialectOf } from './dialects/dialect.js';

/** One migration: its file's name (the order), its `up`, and one line saying what it changes. */
export interface MigrationStep {
  name: string;
  description: string;
  up: Migration['up'];
}

export class MigrationError extends Error {}

// biome-ignore lint/suspicious/noExplicitAny: the bookkeeping tables are not in the DB type
type AnyDb = Kysely<any>;

/** Kysely's lock id: a 0.1.0 process migrating at the same moment waits for this one, and back. */
const PG_LOCK_ID = '3853314791062309107';
/** SQLite: how many times to wait busy_timeout for another process's migration before giving up. */
const SQLITE_BUSY_ATTEMPTS = 24;

async function ensureBookkeeping(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('kysely_migration')
    .ifNotExists()
    .addColumn('name', 'varchar(255)', (c) => c.notNull().primaryKey())
    .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('kysely_migration_lock')
    .ifNotExists()
    .addColumn('id', 'varchar(255)', (c) => c.notNull().primaryKey())
    .addColumn('is_locked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  const lock = await db.selectFrom('kysely_migration_lock').select('id').where('id', '=', 'migration_lock').executeTakeFirst();
  if (!lock) {
    await db
      .insertInto('kysely_migration_lock')
      .values({ id: 'migration_lock', is_locked: 0 })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/** The names recorded in kysely_migration; empty when the table is not there yet (a new database). */
async function appliedNames(db: AnyDb): Promise<Set<string>> {
  try {
    const rows = await db.selectFrom('kysely_migration').select('name').execute();
    return new Set(rows.map((r) => r.name as string));
  } catch {
    return new Set();
  }
}

/**
 * The migrations this code would run, in order, without changing anything. Migrations the
 * database has that this code does not know (a newer release ran them) are left alone: the
 * rolling-deploy rule (docs/operations.md) keeps this release's reads valid on that schema.
 */
export async function pendingMigrations(db: AnyDb, steps: readonly MigrationStep[]): Promise<MigrationStep[]> {
  const applied = await appliedNames(db);
  return steps.filter((s) => !applied.has(s.name));
}

function failure(step: MigrationStep, last: string | undefined, err: unknown): MigrationError {
  const where = last ? `at ${last}, as before` : 'with no migration applied, as before';
  return new MigrationError(
    `database migration ${step.name} failed and was rolled back; the database is left ${where}: ${(err as Error)?.message ?? String(err)}`,
  );
}

const isBusy = (err: unknown) =>
  /SQLITE_BUSY|database is locked/i.test(`${(err as { code?: string })?.code ?? ''} ${(err as Error)?.message ?? ''}`);

async function runOneSqlite(db: AnyDb, step: MigrationStep, last: string | undefined, at: string): Promise<boolean> {
  return db.connection().execute(async (conn) => {
    // IMMEDIATE: the write lock is taken before reading the list, so two processes opening a
    // new database never both run the same migration; the second waits, then finds it done.
    for (let attempt = 1; ; attempt++) {
      try {
        await sql`begin immediate`.execute(conn);
        break;
      } catch (err) {
        if (!isBusy(err) || attempt >= SQLITE_BUSY_ATTEMPTS) throw err;
      }
    }
    try {
      if ((await appliedNames(conn)).has(step.name)) {
        await sql`commit`.execute(conn);
        return false;
      }
      await step.up(conn);
      await conn.insertInto('kysely_migration').values({ name: step.name, timestamp: at }).execute();
      await sql`commit`.execute(conn);
      return true;
    } catch (err) {
      // SQLite may have rolled back already (SQLITE_FULL, I/O errors): then there is nothing to undo.
      await sql`rollback`.execute(conn).catch(() => {});
      throw failure(step, last, err);
    }
  });
}

async function runOnePostgres(db: AnyDb, step: MigrationStep, last: string | undefined, at: string): Promise<boolean> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(PG_LOCK_ID)})`.execute(trx);
      if ((await appliedNames(trx)).has(step.name)) return false;
      await step.up(trx);
      await trx.insertInto('kysely_migration').values({ name: step.name, timestamp: at }).execute();
      return true;
    });
  } catch (err) {
    throw failure(step, last, err);
  }
}

/** Runs every pending step in order, each in its own transaction; the names it applied. */
export async function runMigrations(db: AnyDb, steps: readonly MigrationStep[]): Promise<string[]> {
  // Every command opens the store: when nothing is pending, one query is all it costs.
  const known = await appliedNames(db);
  if (steps.every((s) => known.has(s.name))) return [];
  const postgres = dialectOf(db) === 'postgres';
  if (postgres) {
    // Two processes creating the bookkeeping tables at once would collide on PostgreSQL's catalog.
    await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(PG_LOCK_ID)})`.execute(trx);
      await ensureBookkeeping(trx);
    });
  } else {
    await ensureBookkeeping(db);
  }
  const ran: string[] = [];
  let last: string | undefined;
  const applied = await appliedNames(db);
  for (const step of steps) {
    if (applied.has(step.name)) {
      last = step.name;
      continue;
    }
    // The bookkeeping timestamp only orders the list (Kysely's format); no rule reads it.
    const at = new Date().toISOString();
    const did = postgres ? await runOnePostgres(db, step, last, at) : await runOneSqlite(db, step, last, at);
    if (did) ran.push(step.name);
    last = step.name;
  }
  return ran;
}
