// Data at scale (not a test): reads of a store of 1,000,000 emails and 5,000,000 sightings,
// on SQLite and PostgreSQL, against a bare indexed primary-key read measured in the same run;
// then the peak RSS of a 100,000-message initial IMAP sync on Dovecot (bench/scale-sync.ts).
//
//   npm run bench:scale                 1M emails / 5M sightings; a 100,000-message mailbox
//   npm run bench:scale -- --quick      100k emails / 500k sightings; 10,000 messages (or BENCH_QUICK=1)
//   BENCH_DIALECTS=sqlite BENCH_SKIP_SYNC=1 BENCH_CALLS=…   narrower runs
//   BENCH_ONLY_SYNC=1                  the sync's peak RSS alone (no store is built)
//   BENCH_CASES=explain,search         time only these cases (with the limit); rows for the others are not written
//   BENCH_SCALE_SQLITE=<file> BENCH_SCALE_PG=<url>   read an existing store there instead of the cached one
//                                      (e.g. a copy with a new migration applied: opening a store migrates it)
//
// The store (10,000 accounts of 5 end users, 5 teammates who each saw every email: 5 sightings
// per email; 60 % linked, 3 accounts sharing 60 % of the linked mail: 100k+ emails each, the
// worst timelines) is built once by bulk insert (bench/scale-store.ts) and reused: the SQLite
// file under .tmp/bench-scale/, the PostgreSQL database touchpoint_scale(_quick).
// Measured, interleaved, after a warm-up, BENCH_CALLS (200) calls each: the limit (one email
// by primary key through the store), a big account's timeline page as the API and web app
// read it (accountTimelinePage: its default page, 50 items; and the 500 an API client may
// ask for with ?limit=500), `explain` of a linked email (src/app/explain.ts)
// and global search for an end user of a big account (src/app/search.ts).
// Target: p50 and p95 of each within 10× of the limit's.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { explainEmail } from '../src/app/explain.js';
import { accountTimelinePage, TIMELINE_DEFAULT_LIMIT } from '../src/app/account-timeline.js';
import { search } from '../src/app/search.js';
import type { Ctx } from '../src/store/context.js';
import { openStore } from '../src/store/open.js';
import { findWorkspace } from '../src/store/workspaces.js';
import { BENCH_DIR, QUICK, ratioRow, saveResults, type BenchRow } from './report.js';
import { syncPeakRss } from './scale-sync.js';
import { bulkLoadPostgres, bulkLoadSqlite, type ScaleShape, scaleAccountId, seedScaleDirectory } from './scale-store.js';
import { prng } from './workers-fixtures.js';

const quick = QUICK || process.argv.includes('--quick');
const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const WARMUP = 20;
const NOW = new Date('2026-03-20T12:00:00Z');
const AUTH = new Date('2025-03-01T00:00:00Z');
const SHAPE: ScaleShape = {
  emails: quick ? 100_000 : 1_000_000,
  accounts: 10_000,
  usersPerAccount: 5,
  teammates: 5,
  sightingsPerEmail: 5,
  bigAccounts: 3,
  bigShare: 0.6,
  linkedShare: 0.6,
  links: true,
  days: 365,
};
const PG_ADMIN = process.env.TOUCHPOINT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dialects = (process.env.BENCH_ONLY_SYNC === '1' ? [] : (process.env.BENCH_DIALECTS?.split(',') ?? ['sqlite', 'postgres'])) as (
  | 'sqlite'
  | 'postgres'
)[];
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Sample {
  id: string;
  messageId: string;
  sender: string;
}

/** Linked emails to explain and search for: every n-th email of the store, read by primary key. */
async function sample(location: string): Promise<Sample[]> {
  const db = await openStore(location);
  try {
    const ws = (await findWorkspace(db))!;
    const ids = Array.from(
      { length: 2000 },
      (_, k) =>
        `e${Math.floor((k * SHAPE.emails) / 2000)
          .toString()
          .padStart(8, '0')}`,
    );
    const rows = await db
      .selectFrom('emails')
      .select(['id', 'message_id', 'participants'])
      .where('workspace_id', '=', ws.id)
      .where('id', 'in', ids)
      .where('outcome', '=', 'linked')
      .execute();
    const rnd = prng(3);
    return rows
      .map((r) => ({
        id: r.id,
        messageId: r.message_id!,
        sender: (JSON.parse(r.participants!) as { from: { address: string }[] }).from[0]!.address,
      }))
      .sort(() => rnd() - 0.5);
  } finally {
    await db.destroy();
  }
}

/** The SQLite store, built once per shape under .tmp/bench-scale/ (renamed into place when complete). */
async function sqliteStore(): Promise<string> {
  if (process.env.BENCH_SCALE_SQLITE) return process.env.BENCH_SCALE_SQLITE;
  const dir = join(BENCH_DIR, '..', '.tmp', 'bench-scale');
  // v2: the links carry their email's Message-ID and subject (migration 016). This code would
  // migrate a v1 file in place on open, and .tmp is shared with other trees (/work/main).
  const file = join(dir, `scale-${SHAPE.emails}-v2.db`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const building = `${file}.building`;
  for (const f of [building, `${building}-wal`, `${building}-shm`]) rmSync(f, { force: true });
  const db = await openStore(building);
  const seeded = await seedScaleDirectory(db, SHAPE, NOW, AUTH);
  await db.destroy();
  const t0 = performance.now();
  bulkLoadSqlite(building, seeded, SHAPE, NOW);
  log(`sqlite: built ${SHAPE.emails.toLocaleString('en-US')} emails in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  renameSync(building, file);
  return file;
}

/** The PostgreSQL database, created and built if missing or incomplete, else reused. */
async function postgresStore(): Promise<string> {
  if (process.env.BENCH_SCALE_PG) return process.env.BENCH_SCALE_PG;
  const name = quick ? 'touchpoint_scale_quick' : 'touchpoint_scale';
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  try {
    const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount;
    if (exists) {
      const probe = new pg.Client({ connectionString: url.toString() });
      await probe.connect();
      // The builder's last email: present only when a build finished.
      const done = await probe
        .query('select 1 from emails where id = $1', [`e${(SHAPE.emails - 1).toString().padStart(8, '0')}`])
        .then((r) => r.rowCount === 1)
        .catch(() => false)
        .finally(() => probe.end());
      if (done) return url.toString();
      await admin.query(`drop database ${name}`);
    }
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const db = await openStore(url.toString());
  const seeded = await seedScaleDirectory(db, SHAPE, NOW, AUTH);
  await db.destroy();
  const t0 = performance.now();
  await bulkLoadPostgres(url.toString(), seeded, SHAPE, NOW);
  log(`postgres: built ${SHAPE.emails.toLocaleString('en-US')} emails in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return url.toString();
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

type Case = 'pk' | 'timeline' | 'timeline500' | 'explain' | 'search';
const ALL_CASES: Case[] = ['pk', 'timeline', 'timeline500', 'explain', 'search'];
// The limit is always measured: every ratio is to it.
const asked = process.env.BENCH_CASES?.split(',') as Case[] | undefined;
const CASES: Case[] = asked ? ALL_CASES.filter((c) => c === 'pk' || asked.includes(c)) : ALL_CASES;

/** Every case once per round, in turn (so load hits them alike); the times of the rounds after the warm-up. */
async function measure(location: string, picked: Sample[]): Promise<Record<Case, number[]>> {
  const db = await openStore(location);
  try {
    const ws = (await findWorkspace(db))!;
    const ctx: Ctx = { db, ws, now: NOW, actor: 'bench' };
    const cases: Record<Case, (i: number) => Promise<unknown>> = {
      pk: (i) =>
        db
          .selectFrom('emails')
          .selectAll()
          .where('workspace_id', '=', ws.id)
          .where('id', '=', picked[i % picked.length]!.id)
          .executeTakeFirst(),
      timeline: async (i) => {
        const page = await accountTimelinePage(ctx, scaleAccountId(i % SHAPE.bigAccounts));
        if (page.items.length !== TIMELINE_DEFAULT_LIMIT || !page.next) throw new Error(`timeline page of ${page.items.length} items`);
      },
      timeline500: async (i) => {
        const page = await accountTimelinePage(ctx, scaleAccountId(i % SHAPE.bigAccounts), { limit: 500 });
        if (page.items.length !== 500) throw new Error(`timeline page of ${page.items.length} items`);
      },
      explain: async (i) => {
        const e = await explainEmail(ctx, { messageId: picked[i % picked.length]!.messageId });
        if (e.outcome !== 'linked') throw new Error(`explain: ${e.outcome}`);
      },
      search: async (i) => {
        const r = await search(ctx, { q: picked[(i * 7) % picked.length]!.sender });
        if (!r.accounts.length || !r.activities.length) throw new Error('search found nothing');
      },
    };
    const times: Record<Case, number[]> = { pk: [], timeline: [], timeline500: [], explain: [], search: [] };
    for (let i = 0; i < WARMUP + CALLS; i++) {
      for (const c of CASES) {
        const t = performance.now();
        await cases[c](i);
        if (i >= WARMUP) times[c].push(performance.now() - t);
      }
    }
    return times;
  } finally {
    await db.destroy();
  }
}

const WHAT: Record<Exclude<Case, 'pk'>, string> = {
  timeline: `a 100k-email account's timeline page (the default ${TIMELINE_DEFAULT_LIMIT} items, as the API and web app read it)`,
  timeline500: "the same account's timeline, 500 items (`?limit=500`, which an API client may ask for)",
  explain: 'explain of a linked email (src/app/explain.ts)',
  search: 'global search for an end user of a big account (src/app/search.ts)',
};

const rows: BenchRow[] = [];
const details: Record<string, unknown> = { shape: SHAPE, calls: CALLS };
for (const dialect of dialects) {
  const location = dialect === 'sqlite' ? await sqliteStore() : await postgresStore();
  const picked = await sample(location);
  log(`${dialect}: measuring ${CALLS} calls of each after ${WARMUP} warm-up rounds …`);
  const times = await measure(location, picked);
  const summary: Record<string, { p50: number; p95: number }> = {};
  for (const c of CASES) summary[c] = { p50: pct(times[c], 50), p95: pct(times[c], 95) };
  details[dialect] = summary;
  log(`${dialect}: ${JSON.stringify(summary)}`);
  for (const c of CASES) {
    if (c === 'pk') continue;
    for (const p of ['p50', 'p95'] as const) {
      rows.push(
        ratioRow({
          id: `scale.${dialect}.${c}.${p}`,
          what: `${WHAT[c]}, ${SHAPE.emails.toLocaleString('en-US')} emails / ${(SHAPE.emails * SHAPE.sightingsPerEmail).toLocaleString('en-US')} sightings, ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${p}`,
          limit: `one email by primary key through the store, ${p}`,
          unit: 'ms',
          value: [summary[c]![p]],
          limitRuns: [summary.pk![p]],
          kind: 'time',
          maxRatio: 10,
          note: `${CALLS} calls each`,
        }),
      );
    }
  }
}

if (process.env.BENCH_SKIP_SYNC !== '1') rows.push(await syncPeakRss(quick ? 10_000 : 100_000));
saveResults('scale', rows, details);
