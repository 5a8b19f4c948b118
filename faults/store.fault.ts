// Store faults: PostgreSQL connections terminated in the middle of a sync (what a database
// restart or failover does to its clients), and the disk filling up under the SQLite file
// (a file-size limit on the sync process: writes fail with EFBIG, SQLite says SQLITE_FULL).
// The sync must fail with one clear line, leave the store consistent (SQLite:
// integrity_check ok), and the next syncs must store every message exactly once.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, eml, Workspace } from '../test/support/cli.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../test/support/databases.js';
import { allHealthy, emailCensus, prng, query, QUICK, record, SEED } from './ledger.js';
import { emailCount, sleep, spawnSync, syncSucceeded, whenCount } from './support.js';

const NOW = '2026-03-20T12:00:00Z';
const N = QUICK ? 600 : 2000;
const rand = prng(SEED + 2);
const cleanups: (() => Promise<void> | void)[] = [];

/** A folder mailbox of n messages (every 3rd from an end user, with a 4 KB body). */
/**
 * What stderr says besides the sync's progress lines ("mail: 200 / 600 messages (33 %)", one
 * per connection and stream, printed as the initial sync goes): the failure must be one line.
 */
function errorLines(err: string): string[] {
  return err
    .trim()
    .split('\n')
    .filter((l) => !/^(?:.* )?(?:mail|calendar): [\d,]+ (?:\/ |[a-z])/.test(l));
}

function mailbox(w: Workspace, prefix: string, n: number): string[] {
  const dir = w.path('mail/INBOX');
  mkdirSync(dir, { recursive: true });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${i}@mail.test`;
    const at = new Date(Date.parse('2026-03-02T00:00:00Z') + i * 60_000).toISOString();
    writeFileSync(
      join(dir, `${i}.eml`),
      eml({
        from: i % 3 === 0 ? 'john@acme.com' : `someone${i}@elsewhere.org`,
        to: 'alice@ourco.com',
        date: at,
        messageId: id,
        body: `${i} `.repeat(1000),
      }),
    );
    ids.push(id);
  }
  return ids;
}

async function setUp(w: Workspace): Promise<void> {
  await w.init();
  await w.teammate('alice@ourco.com');
  await w.account('acme');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'john@acme.com']);
  await w.ok(['connect', 'folder', '--teammate', 'alice@ourco.com', '--mail', w.path('mail'), '--authorized-at', '2026-03-01T00:00:00Z']);
}

async function recover(w: Workspace): Promise<number> {
  for (let i = 1; i <= 3; i++) {
    if (syncSucceeded(await w.run(['sync', '--json']))) return i;
    await sleep(500);
  }
  return 3;
}

/** A Workspace whose --db is a PostgreSQL database. */
class PgWorkspace extends Workspace {
  constructor(url: string) {
    super(NOW, 'tp-fault-pg-');
    (this as { db: string }).db = url;
  }
}

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe(`store faults (seed ${SEED + 2})`, () => {
  it('PostgreSQL connections terminated twice in the middle of a sync', async () => {
    const database: TestDatabase = await createTestDatabase('postgres', 'faults');
    cleanups.push(() => database.drop());
    const w = new PgWorkspace(database.location);
    cleanups.push(() => w.cleanup());
    const ids = mailbox(w, 'pg', N);
    await setUp(w);
    const name = new URL(database.location).pathname.slice(1);
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const at: string[] = [];
    const failures: string[] = [];
    try {
      for (const f of [0.15 + rand() * 0.3, 0.55 + rand() * 0.3]) {
        const target = Math.max(Math.floor(f * N), (await emailCount(w.db)) + 1);
        const run = spawnSync(w);
        // Ten rounds 30 ms apart, so one lands inside a page's transaction, not only on idle
        // pooled connections (which the pool quietly replaces).
        const n = await whenCount(
          run,
          () => emailCount(w.db),
          target,
          async () => {
            for (let i = 0; i < 10; i++, await sleep(30)) {
              await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
                name,
              ]);
            }
          },
        );
        const r = await run.done;
        at.push(n === null ? 'sync ended first' : `${n}/${N}`);
        if (r.code !== 0) {
          // One clear line, never a stack trace (after the progress lines the sync printed).
          expect(errorLines(r.err), r.err).toHaveLength(1);
          expect(r.err).toMatch(/^touchpoint: /m);
          expect(r.err).not.toMatch(/\n\s+at /);
          failures.push(errorLines(r.err)[0]!);
        }
      }
    } finally {
      await admin.end();
    }
    const syncs = await recover(w);
    const c = await emailCensus(w.db, ids);
    record(
      {
        scenario: 'PostgreSQL connections dropped mid-sync',
        faults:
          `2 × 10 rounds of pg_terminate_backend at ${at.join(', ')} stored; ${failures.length} sync(s) stopped with ` +
          `"${failures[0]?.slice(0, 80) ?? '-'}"; healthy after ${syncs} sync(s)`,
        expected: N,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(w.db),
      },
      c,
    );
  });

  it('disk full under the SQLite file', async () => {
    const w = new Workspace(NOW, 'tp-fault-full-');
    cleanups.push(() => w.cleanup());
    const ids = mailbox(w, 'full', N);
    await setUp(w);
    // ulimit -f (1 KiB blocks): every write past it fails with EFBIG — to SQLite, a full disk.
    const limitKiB = QUICK ? 1536 : 4096;
    const r = await new Promise<{ code: number | null; err: string; out: string }>((resolve) => {
      const p = spawn(
        'bash',
        ['-c', `ulimit -f ${limitKiB}; exec "$0" "$@"`, process.execPath, BIN, '--db', w.db, '--now', NOW, 'sync', '--json'],
        { cwd: w.dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let err = '';
      let out = '';
      p.stderr!.on('data', (b) => (err += String(b)));
      p.stdout!.on('data', (b) => (out += String(b)));
      p.once('exit', (code) => resolve({ code, err, out }));
    });
    expect(r.code, r.err + r.out.slice(0, 2000)).not.toBe(0);
    expect(errorLines(r.err), r.err).toHaveLength(1);
    expect(r.err).toMatch(/^touchpoint: .*(disk|full)/im);
    const partial = await emailCount(w.db);
    expect((await query<{ integrity_check: string }>(w.db, 'PRAGMA integrity_check'))[0]!.integrity_check).toBe('ok');
    // Space again: the next sync carries on from the last page that committed.
    const syncs = await recover(w);
    const c = await emailCensus(w.db, ids);
    record(
      {
        scenario: 'disk full on the SQLite file',
        faults:
          `file-size limit ${limitKiB} KiB: sync stopped at ${partial}/${N} with "${errorLines(r.err)[0]!.slice(0, 90)}"; integrity_check ok; ` +
          `healthy after ${syncs} sync(s)`,
        expected: N,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(w.db),
      },
      c,
    );
  });
});
