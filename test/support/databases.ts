// Test databases on both dialects: a fresh SQLite file in a temp dir, or a fresh PostgreSQL
// database (unique name per run) on the server at $TOUCHPOINT_TEST_PG
// (default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Store } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

export const PG_ADMIN_URL = process.env.TOUCHPOINT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  dialect: Dialect;
  /** What --db takes: a file path or a postgres:// URL. */
  location: string;
  /** Drop the database (or delete the file). Close every store on it first. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database; with `migrated`, one that already holds the current schema. On
 * PostgreSQL that one is a copy of a template database migrated once per set of migration
 * files (see migratedTemplate): running the migrations took 1–2 s per test database, the
 * copy a fraction of it, and a suite makes hundreds. SQLite migrates in ≈ 0.1 s and starts empty.
 */
export async function createTestDatabase(dialect: Dialect, label = 'test', opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `tp-${label}-`));
    return { dialect, location: join(dir, 'tp.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `tp_${label.replace(/\W/g, '_')}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase();
  if (opts.migrated) await copyTemplate(name);
  else await adminQuery(`CREATE DATABASE ${name}`);
  return pgDatabase(name);
}

/**
 * CREATE DATABASE from the migrated template. A worker keeps the template's name for the whole
 * suite; when a build for other migration files (another checkout on the same server, or a
 * migration edited mid-run) has dropped it since, it is built again once.
 */
async function copyTemplate(name: string): Promise<void> {
  const used = migratedTemplate();
  try {
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${await used}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000' /* invalid_catalog_name: no such database */) throw err;
    if (template === used) template = undefined;
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${await migratedTemplate()}`);
  }
}

async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    return await admin.query(text, values);
  } finally {
    await admin.end();
  }
}

function pgDatabase(name: string): TestDatabase {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    location: url.toString(),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

const MIGRATIONS_DIR = new URL('../../src/store/migrations/', import.meta.url);
let template: Promise<string> | undefined;
/** The templates' names begin with this (and are dropped by a build under it); a test may use its own. */
let templateFamily = 'tp_template';

/** Builds and finds templates under another family of names (undefined: the usual one); forgets the one found. */
export function useTemplateFamily(family: string | undefined): void {
  templateFamily = family ?? 'tp_template';
  template = undefined;
}

/**
 * The name of a PostgreSQL database holding the schema of the migration files as they are
 * now, built on first use by the first test process that needs it (an advisory lock makes the
 * others wait for it) and kept on the server for later runs: its name carries a hash of the
 * migration files, so a changed migration builds a new one, and the older ones are dropped.
 * Nothing connects to it after the build, as CREATE DATABASE … TEMPLATE requires.
 */
function migratedTemplate(): Promise<string> {
  if (!template) {
    const building = buildTemplate();
    // A failed build is not kept: the next test tries again instead of failing on a stale error.
    building.catch(() => {
      if (template === building) template = undefined;
    });
    template = building;
  }
  return template;
}

async function buildTemplate(): Promise<string> {
  const hash = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) hash.update(f).update(readFileSync(new URL(f, MIGRATIONS_DIR)));
  const name = `${templateFamily}_${hash.digest('hex').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(20261207)');
    const found = await admin.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${templateFamily}_%`]);
    if (!found.rows.some((r: { datname: string }) => r.datname === name)) {
      // Built under another name and renamed when complete: a run stopped mid-build leaves
      // no half-migrated template behind under the real name.
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const db = await openStore(pgDatabase(building).location, { poolMax: 1 });
      await db.destroy();
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      for (const r of found.rows as { datname: string }[]) {
        // An older run may still be copying one; it is dropped by a later build instead.
        await admin.query(`DROP DATABASE IF EXISTS ${r.datname}`).catch(() => undefined);
      }
    }
    return name;
  } finally {
    await admin.end(); // ends the session, which releases the advisory lock
  }
}

/** A migrated store on a fresh database of this dialect. */
export async function openTestStore(
  dialect: Dialect,
  label?: string,
): Promise<{ db: Store; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase(dialect, label, { migrated: true });
  const db = await openStore(database.location, { poolMax: 5 });
  return {
    db,
    database,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}
