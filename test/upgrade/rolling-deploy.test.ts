// The rolling-deploy rule (docs/operations.md, Upgrade): old and new workers may overlap for
// one migration step, because a migration never drops or renames what the previous release
// reads. Tested at the cursor level with two processes of the CURRENT code (docs/decisions.md
// says why not with 0.1.0's): the 0.1.0 fixture is upgraded, then a "next release" migration
// that follows the rule (a new table, a new column) is applied; this release, which does not
// know that migration, still opens the store, and two of its processes syncing the same IMAP
// connection at once while mail arrives never move its cursor backwards and store every
// message exactly once.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateStore } from '../../src/app/upgrade.js';
import { MIGRATIONS, type Store } from '../../src/store/db.js';
import { runMigrations, type MigrationStep } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open.js';
import { eml, runCli, type CliResult } from '../support/cli.js';
import { DIALECTS, type TestDatabase } from '../support/databases.js';
import { deliver, startMailServer, type Dovecot } from '../support/imap.js';
import { FIXTURE_KEY, loadFixture } from '../support/upgrade-fixtures.js';

const NOW = '2026-03-10T12:00:00Z';
const ENV = { TOUCHPOINT_SECRET_KEY: FIXTURE_KEY, ROLL_PASS: 'roll-pass-0123' };
const USER = 'erin@ourco.com';

/** What a next release might add, by the rule: additive only. */
const nextRelease: MigrationStep = {
  name: '999-next-release-adds',
  description: 'adds a table and a nullable column (test only)',
  up: async (db) => {
    await db.schema.createTable('next_release_notes').addColumn('id', 'text').execute();
    await db.schema.alterTable('emails').addColumn('next_release_flag', 'text').execute();
  },
};

const mail = (i: number) => ({
  raw: eml({
    from: 'john@acme.com',
    to: USER,
    date: `2026-03-09T${String(8 + (i % 10)).padStart(2, '0')}:00:00Z`,
    messageId: `roll-${i}@acme.com`,
    subject: `Rolling ${i}`,
  }),
  at: '2026-03-09T08:00:00Z',
});

describe.each(DIALECTS)('two workers across a migration step (%s)', (dialect) => {
  let database: TestDatabase;
  let dovecot: Dovecot;
  let connection = '';
  let db: Store;
  const tp = (args: string[]): Promise<CliResult> => runCli(['--db', database.location, '--now', NOW, ...args], undefined, ENV);

  beforeAll(async () => {
    dovecot = await startMailServer({ users: { [USER]: ENV.ROLL_PASS } });
    database = await loadFixture(dialect, 'rolling');
    await migrateStore(database.location);
    const store = await openStore(database.location, { migrate: false, poolMax: 2 });
    await runMigrations(store, [...MIGRATIONS, nextRelease]);
    await store.destroy();
    const r = await tp([
      'connect',
      'imap',
      '--teammate',
      USER,
      '--host',
      dovecot.host,
      '--port',
      String(dovecot.port),
      '--plain',
      '--user',
      USER,
      '--password-env',
      'ROLL_PASS',
      '--authorized-at',
      '2026-03-01T00:00:00Z',
    ]);
    expect(r.code, r.stderr).toBe(0);
    connection = /connection (\S+)/.exec(r.stdout)![1]!;
    db = await openStore(database.location, { poolMax: 2 });
  }, 180_000);
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
    await dovecot?.stop();
  });

  const cursor = async () => {
    const row = await db.selectFrom('connections').select('id').where('id', '=', connection).executeTakeFirst();
    expect(row).toBeDefined();
    const c = await sql<{ value: string }>`select value from cursors where connection_id = ${connection} and stream = 'mail'`.execute(db);
    const inbox = (JSON.parse(c.rows[0]?.value ?? '{}') as { folders?: Record<string, { uidValidity: string; highestUid: number }> })
      .folders?.INBOX;
    return inbox ?? { uidValidity: '', highestUid: 0 };
  };

  it('this release still opens a store a newer release migrated one step further', async () => {
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    expect(applied.rows.map((r) => r.name)).toContain(nextRelease.name);
    const dry = await tp(['migrate', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('is up to date');
  });

  it('two processes syncing one connection while mail arrives: the cursor never goes back, each message is stored once', async () => {
    const seen: number[] = [];
    let delivered = 0;
    for (let round = 0; round < 3; round++) {
      await deliver(
        dovecot,
        USER,
        ENV.ROLL_PASS,
        [0, 1, 2].map((i) => mail(delivered + i)),
      );
      delivered += 3;
      const both = [tp(['sync', '--connection', connection, '--json']), tp(['sync', '--connection', connection, '--json'])];
      // More mail lands while the two syncs run.
      await deliver(
        dovecot,
        USER,
        ENV.ROLL_PASS,
        [0, 1].map((i) => mail(delivered + i)),
      );
      delivered += 2;
      for (const r of await Promise.all(both)) expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const c = await cursor();
      seen.push(c.highestUid);
    }
    const last = await tp(['sync', '--connection', connection, '--json']);
    expect(last.code, last.stderr).toBe(0);
    seen.push((await cursor()).highestUid);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!, `cursor after round ${i}: ${seen.join(' → ')}`).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.at(-1)).toBe(delivered);
    const stored = await sql<{
      message_id: string;
      n: number;
    }>`select message_id, count(*) as n from emails where message_id like 'roll-%' group by message_id`.execute(db);
    expect(stored.rows).toHaveLength(delivered);
    expect(stored.rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    // Seven CLI runs against a real Dovecot: minutes on a loaded 2-core machine, not a timed assertion.
  }, 300_000);
});
