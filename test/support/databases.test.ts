// The test databases themselves: a migrated PostgreSQL test database is a copy of a template
// database that a worker finds once and keeps for the whole suite.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { createTestDatabase, PG_ADMIN_URL, useTemplateFamily, type TestDatabase } from './databases.js';

async function admin<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('migrated PostgreSQL test databases', () => {
  // A family of template names of this test's own: the suite's template is left alone.
  const family = `tp_tmpltest_${process.pid}`;
  const made: TestDatabase[] = [];
  const templates = async () =>
    (await admin<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${family}_%`])).map((r) => r.datname);
  afterAll(async () => {
    useTemplateFamily(undefined);
    for (const d of made) await d.drop();
    for (const t of await templates()) await admin(`DROP DATABASE IF EXISTS ${t} WITH (FORCE)`);
  });

  it('are still made after the template a worker found was dropped by a build for other migration files', async () => {
    useTemplateFamily(family);
    made.push(await createTestDatabase('postgres', 'tmpl', { migrated: true }));
    const [found] = await templates();
    expect(found).toBeDefined();
    // Another checkout on the same server, with another set of migration files, built its
    // template and dropped the older ones: this one among them.
    await admin(`DROP DATABASE ${found}`);
    const again = await createTestDatabase('postgres', 'tmpl', { migrated: true });
    made.push(again);
    const db = await openStore(again.location, { poolMax: 1, migrate: false });
    try {
      const migrated = await db.selectFrom('workspaces').select('id').execute();
      expect(migrated).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
