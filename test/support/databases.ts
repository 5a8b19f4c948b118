// Test databases on both dialects: a fresh SQLite file in a temp dir, or a fresh PostgreSQL
// database (unique name per run) on the server at $TOUCHPOINT_TEST_PG
// (default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
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

export async function createTestDatabase(dialect: Dialect, label = 'test'): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `tp-${label}-`));
    return { dialect, location: join(dir, 'tp.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `tp_${label.replace(/\W/g, '_')}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dialect,
    location: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated store on a fresh database of this dialect. */
export async function openTestStore(
  dialect: Dialect,
  label?: string,
): Promise<{ db: Store; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase(dialect, label);
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
