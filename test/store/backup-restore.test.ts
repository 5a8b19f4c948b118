// `touchpoint backup` and `touchpoint restore`, on SQLite (online backup API) and PostgreSQL
// (pg_dump / pg_restore): the 0.1.0 fixture, upgraded, is backed up and restored into an empty
// store, and the two stores hold the same rows in every table and answer a sample of explain
// the same. The backup holds no plaintext secret; a non-empty store is refused unless --force,
// saying what would be replaced; restored secrets need the key they were made with, and a
// restore (then a sync) under another key says so.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../support/cli.js';
import { compareRows, explainAnswers, storeRows, type StoreRows } from '../support/compare-stores.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { FIXTURE_KEY, FIXTURE_NOW, FIXTURE_PLAINTEXTS, fixtureAnswers, loadFixture, sampleOf } from '../support/upgrade-fixtures.js';

const KEY = { TOUCHPOINT_SECRET_KEY: FIXTURE_KEY };
const OTHER_KEY = { TOUCHPOINT_SECRET_KEY: 'another passphrase of at least thirty-two characters' };

describe.each(DIALECTS)('backup and restore (%s)', (dialect) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-backup-'));
  const file = path.join(dir, dialect === 'sqlite' ? 'backup.db' : 'backup.pgdump');
  let source: TestDatabase;
  let target: TestDatabase;
  let sourceRows: StoreRows;
  let sourceAnswers: Record<string, unknown>;
  const sample = sampleOf(fixtureAnswers(dialect));

  const withStore = async <T>(location: string, fn: (db: Store) => Promise<T>): Promise<T> => {
    const db = await openStore(location, { poolMax: 2 });
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  };

  beforeAll(async () => {
    source = await loadFixture(dialect, 'backup-source');
    [sourceRows, sourceAnswers] = await withStore(source.location, async (db) => [
      await storeRows(db),
      await explainAnswers(db, sample, FIXTURE_NOW, 'cs-team'),
    ]);
    target = await createTestDatabase(dialect, 'restore-target');
  }, 120_000);
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs the whole store up to one file and says what it holds', async () => {
    const r = await runCli(['--db', source.location, 'backup', '--out', file], undefined, KEY);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^Backed up .* to ${file} \\(${dialect === 'sqlite' ? 'sqlite' : 'pg_dump'}, \\d+ bytes\\): .*emails ${sourceRows.emails!.rows.length}`,
      ),
    );
    expect(r.stdout).toMatch(/Its secrets are encrypted with key [0-9a-f]{8}: keep TOUCHPOINT_SECRET_KEY with the backup, apart from it\./);
    expect(existsSync(file)).toBe(true);
    const again = await runCli(['--db', source.location, 'backup', '--out', file], undefined, KEY);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('exists: choose another --out, or add --force to overwrite it');
  });

  it('the backup holds no plaintext secret, only their encrypted form', () => {
    // pg_dump's archive is compressed: read it as the SQL it restores.
    const text =
      dialect === 'sqlite' ? readFileSync(file).toString('latin1') : execFileSync('pg_restore', ['--file', '-', file]).toString('utf8');
    for (const secret of FIXTURE_PLAINTEXTS) expect(text.includes(secret), secret).toBe(false);
    expect(text).toMatch(/v1:[0-9a-f]{8}:/);
    expect(text).toContain('renewal-1@mail.acme.com'); // the grep does see the data
  });

  it('restores into an empty store: every table, every row, the same explain answers', async () => {
    const r = await runCli(['--db', target.location, 'restore', '--from', file], undefined, KEY);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Restored ${file} into`);
    const [rows, answers] = await withStore(target.location, async (db) => [
      await storeRows(db),
      await explainAnswers(db, sample, FIXTURE_NOW, 'cs-team'),
    ]);
    for (const [a, b] of [
      [sourceRows, rows],
      [rows, sourceRows],
    ] as const) {
      expect(compareRows(a, b)).toMatchObject({ missing: [], dropped: [], countChanged: [] });
    }
    expect(Object.keys(rows).sort()).toEqual(Object.keys(sourceRows).sort());
    expect(answers).toEqual(sourceAnswers);
  });

  it('refuses a store that is not empty, saying what it would replace; --force replaces it', async () => {
    const refused = await runCli(['--db', target.location, 'restore', '--from', file], undefined, KEY);
    expect(refused.code).not.toBe(0);
    const emails = sourceRows.emails!.rows.length;
    expect(refused.stderr).toMatch(
      new RegExp(
        `the store is not empty: it holds 1 workspaces, \\d+ connections, ${emails} emails, \\d+ meetings \\(\\d+ rows in \\d+ tables\\); restore --force replaces all of it with the backup`,
      ),
    );
    await withStore(target.location, (db) => sql`delete from blocklist`.execute(db));
    const forced = await runCli(['--db', target.location, 'restore', '--from', file, '--force'], undefined, KEY);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`Replaced: `);
    const rows = await withStore(target.location, storeRows);
    expect(rows.blocklist!.rows.length).toBe(sourceRows.blocklist!.rows.length);
  });

  it('under another key: restore warns, and a sync says the secrets were encrypted with another key', async () => {
    const r = await runCli(['--db', target.location, 'restore', '--from', file, '--force'], undefined, OTHER_KEY);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: this backup's secrets were encrypted with another key \([0-9a-f]{8}\), not this TOUCHPOINT_SECRET_KEY \([0-9a-f]{8}\): set TOUCHPOINT_SECRET_KEY to the passphrase in use when the backup was made before syncing\n$/,
    );
    const imap = await withStore(target.location, (db) =>
      db.selectFrom('connections').select('id').where('provider', '=', 'imap').executeTakeFirstOrThrow(),
    );
    const sync = await runCli(['--db', target.location, 'sync', '--connection', imap.id], undefined, OTHER_KEY);
    expect(`${sync.stdout}${sync.stderr}`).toContain('encrypted with another key');
  });
});
