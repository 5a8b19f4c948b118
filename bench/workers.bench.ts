// Service benchmark (not a test):
//  (1) the store: emails decided and stored per second (the sync's page transaction:
//      dedup lookup, decide, multi-row insert, cursor; pages of 500 like IMAP) on SQLite and on PostgreSQL, against a
//      raw insert of the very same rows (no lookup, no decision) — targets ≥ 20k/s, ≥ 10k/s;
//  (2) 50 folder mailboxes synced by 1 and by 2 `touchpoint worker` processes on PostgreSQL,
//      same run, alternating — target speed-up ≥ 1.7× on this 2-core machine.
//
//   npm run bench:workers                          (20,000 emails; 50 × 200 files; 3 runs)
//   BENCH_RUNS=1 BENCH_FILES=60 npm run bench:workers   (a quick look)
//
// Medians of BENCH_RUNS runs. Results go to bench/results/workers.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { PgBossQueue } from '../src/queue/pg-boss.js';
import { SYNC_QUEUE, type SyncJobData } from '../src/service/scheduler.js';
import { retryOnConflict } from '../src/store/conflicts.js';
import { clearItemErrors, createConnection, listConnections, saveCursor } from '../src/store/connections.js';
import type { Store } from '../src/store/db.js';
import { dialectOf } from '../src/store/dialects/dialect.js';
import { openStore } from '../src/store/open.js';
import type { DB } from '../src/store/schema.js';
import { loadDirectoryIndex, type Ctx } from '../src/sync/context.js';
import { ingestMailPage } from '../src/sync/email-ingest.js';
import { createTestDatabase, type Dialect } from '../test/support/databases.js';
import { writeMailbox } from '../test/support/mailbox.js';
import { mailboxFiles, median, parsedMail, seedDirectory } from './workers-fixtures.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
const CONFIG = { runs: int('BENCH_RUNS', 3), emails: int('BENCH_EMAILS', 20_000), pageSize: 500, mailboxes: 50, files: int('BENCH_FILES', 200), concurrency: 4 };
const NOW = new Date('2026-03-20T12:00:00Z');
const AUTH = new Date('2026-01-01T00:00:00Z');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'touchpoint');
const round = (x: number) => Math.round(x);

// ---------------------------------------------------------------- (1) the store

const COPY: (keyof DB)[] = ['emails', 'email_links', 'participant_hashes', 'email_sightings'];

interface StoreRun { decided: number; raw: number; linked: number; decidedCpu: number; rawCpu: number }

/** CPU seconds of this process plus the PostgreSQL backends serving `dbs` (none on SQLite). */
async function cpuNow(dbs: Store[]): Promise<number> {
  const own = process.cpuUsage();
  let pg = 0;
  for (const db of dbs.filter((d) => dialectOf(d) === 'postgres')) {
    for (const r of (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db)).rows) pg += cpuSeconds(r.pid);
  }
  return (own.user + own.system) / 1e6 + pg;
}

async function storeRun(dialect: Dialect): Promise<StoreRun> {
  const source = await createTestDatabase(dialect, 'bench-store');
  const target = await createTestDatabase(dialect, 'bench-raw');
  const db = await openStore(source.location, { poolMax: 4 });
  const rawDb = await openStore(target.location, { poolMax: 4 });
  try {
    const { ws, teammateIds } = await seedDirectory(db, 1, NOW);
    const connId = await createConnection(db, ws.id, { teammateId: teammateIds[0]!, provider: 'folder', config: {}, hasMail: true, hasCalendar: false, authorizedAt: AUTH }, NOW);
    const ctx: Ctx = { db, ws, now: NOW, actor: 'bench' };
    const conns = new Map((await listConnections(db, ws.id)).map((c) => [c.id, c]));
    const conn = conns.get(connId)!;
    const dir = await loadDirectoryIndex(ctx);
    const mail = parsedMail(CONFIG.emails, 0, 42);
    let linked = 0;
    const c0 = await cpuNow([db]);
    const t0 = performance.now();
    for (let i = 0; i < mail.length; i += CONFIG.pageSize) {
      const page = mail.slice(i, i + CONFIG.pageSize);
      // What syncMail does with each page (src/sync/run-sync.ts), minus reading the source.
      await retryOnConflict(() => db.transaction().execute(async (trx) => {
        const r = await ingestMailPage({ ...ctx, db: trx }, dir, conn, conns, page);
        await clearItemErrors(trx, connId, page.map((s) => s.ref));
        await saveCursor(trx, connId, 'mail', { upTo: i + page.length }, NOW);
        linked += r.linked;
      }));
    }
    const decided = CONFIG.emails / ((performance.now() - t0) / 1000);
    const decidedCpu = CONFIG.emails / ((await cpuNow([db])) - c0);

    // The same rows, inserted raw: read back, then written page by page with multi-row inserts.
    const rows = new Map<keyof DB, Record<string, unknown>[]>();
    for (const t of COPY) rows.set(t, await db.selectFrom(t).selectAll().execute() as Record<string, unknown>[]);
    const byEmail = (t: keyof DB, col: string) => {
      const m = new Map<string, Record<string, unknown>[]>();
      for (const r of rows.get(t)!) m.set(r[col] as string, [...(m.get(r[col] as string) ?? []), r]);
      return m;
    };
    const links = byEmail('email_links', 'item_id');
    const hashes = byEmail('participant_hashes', 'item_id');
    const sightings = byEmail('email_sightings', 'email_id');
    const emails = rows.get('emails')!;
    const c1 = await cpuNow([rawDb]);
    const t1 = performance.now();
    for (let i = 0; i < emails.length; i += CONFIG.pageSize) {
      const page = emails.slice(i, i + CONFIG.pageSize);
      const ids = page.map((e) => e.id as string);
      await rawDb.transaction().execute(async (trx) => {
        const insert = async (t: keyof DB, list: Record<string, unknown>[], size: number) => {
          for (let j = 0; j < list.length; j += size) await trx.insertInto(t).values(list.slice(j, j + size) as never).execute();
        };
        await insert('emails', page, 200);
        await insert('email_links', ids.flatMap((id) => links.get(id) ?? []), 400);
        await insert('participant_hashes', ids.flatMap((id) => hashes.get(id) ?? []), 1000);
        await insert('email_sightings', ids.flatMap((id) => sightings.get(id) ?? []), 400);
      });
    }
    const raw = emails.length / ((performance.now() - t1) / 1000);
    const rawCpu = emails.length / ((await cpuNow([rawDb])) - c1);
    return { decided, raw, linked, decidedCpu, rawCpu };
  } finally {
    await db.destroy();
    await rawDb.destroy();
    await source.drop();
    await target.drop();
  }
}

// ---------------------------------------------------------------- (2) worker processes

function startWorker(url: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [BIN, '--db', url, 'worker', '--concurrency', String(CONFIG.concurrency)], {
    env: { ...process.env, TOUCHPOINT_LOG_LEVEL: 'info', TOUCHPOINT_QUEUE_POLL_MS: '500' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('"msg":"touchpoint started"')) resolve();
      if (out.length > 1e6) out = out.slice(-1e5);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return { child, ready };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

interface WorkersRun { seconds: number; workerCpu: number; postgresCpu: number }

async function workersRun(n: number, mailRoot: string): Promise<WorkersRun> {
  const database = await createTestDatabase('postgres', `bench-w${n}`);
  const db = await openStore(database.location, { poolMax: 4 });
  const workers: ReturnType<typeof startWorker>[] = [];
  try {
    const { ws, teammateIds } = await seedDirectory(db, CONFIG.mailboxes, NOW);
    for (let i = 0; i < CONFIG.mailboxes; i++) {
      await createConnection(db, ws.id, { teammateId: teammateIds[i]!, provider: 'folder', config: { mail: join(mailRoot, `box${i}`) }, hasMail: true, hasCalendar: false, authorizedAt: AUTH }, NOW);
    }
    const queue = await new PgBossQueue({ url: database.location }).start();
    for (let i = 0; i < n; i++) workers.push(startWorker(database.location));
    await Promise.all(workers.map((w) => w.ready));
    const conns = await listConnections(db, ws.id);
    const backends = async () => (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db)).rows.map((r) => r.pid);
    const cpuOf = async () => ({ workers: workers.reduce((t, w) => t + cpuSeconds(w.child.pid), 0), pg: (await backends()).reduce((t, pid) => t + cpuSeconds(pid), 0) });
    const before = await cpuOf();
    const t0 = performance.now();
    for (const c of conns) await queue.send<SyncJobData>(SYNC_QUEUE, { workspaceId: ws.id, connectionId: c.id, reason: 'sync_now' }, { key: c.id });
    const done = async () => Number((await sql<{ n: string }>`select count(*) as n from connections where last_success_at is not null`.execute(db)).rows[0]!.n);
    while ((await done()) < CONFIG.mailboxes) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - t0) / 1000;
    const after = await cpuOf();
    await queue.stop({ timeoutMs: 1000 });
    const stored = Number((await sql<{ n: string }>`select count(*) as n from email_sightings`.execute(db)).rows[0]!.n);
    if (stored !== CONFIG.mailboxes * CONFIG.files) throw new Error(`expected ${CONFIG.mailboxes * CONFIG.files} sightings, found ${stored}`);
    return { seconds, workerCpu: after.workers - before.workers, postgresCpu: after.pg - before.pg };
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.child.exitCode === null ? once(w.child, 'exit') : null)));
    await db.destroy();
    await database.drop();
  }
}

// ---------------------------------------------------------------- main

const load = loadavg()[0]!;
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average ${load.toFixed(2)}`);
const store: Record<string, { decided: number[]; raw: number[]; decidedCpu: number[]; rawCpu: number[] }> = {
  sqlite: { decided: [], raw: [], decidedCpu: [], rawCpu: [] }, postgres: { decided: [], raw: [], decidedCpu: [], rawCpu: [] },
};
for (let r = 0; r < CONFIG.runs; r++) {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const x = await storeRun(dialect);
    store[dialect]!.decided.push(round(x.decided));
    store[dialect]!.raw.push(round(x.raw));
    store[dialect]!.decidedCpu.push(round(x.decidedCpu));
    store[dialect]!.rawCpu.push(round(x.rawCpu));
    console.log(`store ${dialect} run ${r + 1}: ${round(x.decided)} emails/s decided and stored, ${round(x.raw)} rows/s raw insert (${x.linked} linked); per CPU-second ${round(x.decidedCpu)} vs ${round(x.rawCpu)}; load ${loadavg()[0]!.toFixed(1)}`);
  }
}

const mailRoot = mkdtempSync(join(tmpdir(), 'tp-bench-mail-'));
for (let i = 0; i < CONFIG.mailboxes; i++) writeMailbox(join(mailRoot, `box${i}`), mailboxFiles(i, CONFIG.files));
const items = CONFIG.mailboxes * CONFIG.files;
const secs: Record<1 | 2, number[]> = { 1: [], 2: [] };
const cpu: Record<1 | 2, { workers: number[]; postgres: number[] }> = { 1: { workers: [], postgres: [] }, 2: { workers: [], postgres: [] } };
await workersRun(1, mailRoot); // warm-up: the CLI bundle, PostgreSQL caches
for (let r = 0; r < CONFIG.runs; r++) {
  for (const n of (r % 2 ? [2, 1] : [1, 2]) as (1 | 2)[]) {
    const x = await workersRun(n, mailRoot);
    secs[n].push(x.seconds);
    cpu[n].workers.push(Number(x.workerCpu.toFixed(2)));
    cpu[n].postgres.push(Number(x.postgresCpu.toFixed(2)));
    console.log(`workers ×${n} run ${r + 1}: ${items} items in ${x.seconds.toFixed(2)} s = ${round(items / x.seconds)} items/s; CPU: workers ${x.workerCpu.toFixed(1)} s, PostgreSQL ${x.postgresCpu.toFixed(1)} s; load ${loadavg()[0]!.toFixed(1)}`);
  }
}
rmSync(mailRoot, { recursive: true, force: true });

const one = median(secs[1]);
const two = median(secs[2]);
const result = {
  date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, loadAverageAtStart: load, config: CONFIG,
  store: Object.fromEntries(Object.entries(store).map(([d, v]) => [d, {
    decidedPerSec: v.decided, rawPerSec: v.raw, medianDecided: median(v.decided), medianRaw: median(v.raw),
    /** Per CPU-second of this process (+ PostgreSQL's backends): less sensitive to a shared machine. */
    decidedPerCpuSec: v.decidedCpu, rawPerCpuSec: v.rawCpu, medianDecidedPerCpuSec: median(v.decidedCpu), medianRawPerCpuSec: median(v.rawCpu),
  }])),
  workers: {
    items, oneWorkerSeconds: secs[1], twoWorkersSeconds: secs[2], oneWorkerItemsPerSec: round(items / one), twoWorkersItemsPerSec: round(items / two), speedup: Number((one / two).toFixed(2)),
    cpuSeconds: cpu,
    /** Items per CPU-second of the worker processes, and of PostgreSQL's backends: what an idle machine would give. */
    workerItemsPerCpuSecond: round(items / median(cpu[1].workers)),
    postgresItemsPerCpuSecond: round(items / median(cpu[1].postgres)),
  },
  targets: { sqliteDecidedPerSec: 20_000, postgresDecidedPerSec: 10_000, speedup: 1.7 },
};
console.log(`\nstore, decided and stored (median): SQLite ${result.store.sqlite!.medianDecided}/s (target ≥ 20,000; raw insert ${result.store.sqlite!.medianRaw}/s), PostgreSQL ${result.store.postgres!.medianDecided}/s (target ≥ 10,000; raw insert ${result.store.postgres!.medianRaw}/s)`);
console.log(`store per CPU-second (median): SQLite ${result.store.sqlite!.medianDecidedPerCpuSec} (raw ${result.store.sqlite!.medianRawPerCpuSec}), PostgreSQL ${result.store.postgres!.medianDecidedPerCpuSec} (raw ${result.store.postgres!.medianRawPerCpuSec}), counting PostgreSQL's backends`);
console.log(`workers (median): 1 process ${result.workers.oneWorkerItemsPerSec} items/s, 2 processes ${result.workers.twoWorkersItemsPerSec} items/s: speed-up ${result.workers.speedup}× (target ≥ 1.7×)`);
console.log(`CPU per item (1 worker, median): ${result.workers.workerItemsPerCpuSecond} items per worker CPU-second, ${result.workers.postgresItemsPerCpuSecond} per PostgreSQL CPU-second`);
const out = join(ROOT, 'bench', 'results', 'workers.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${out}`);
