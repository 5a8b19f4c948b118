// The scale-out benchmark's machinery (workers.bench.ts runs it): `touchpoint worker`
// processes started on a copy of the seeded PostgreSQL database, a pass of "sync every
// connection now" through the queue, and what each pass cost: wall time, CPU of the workers,
// PostgreSQL's backends, Dovecot and this process, the whole machine's busy time, peak IMAP
// sessions and the workers' peak RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { PgBossQueue } from '../src/queue/pg-boss.js';
import { SYNC_QUEUE, type SyncJobData } from '../src/service/scheduler.js';
import { listConnections } from '../src/store/connections.js';
import type { Store } from '../src/store/db.js';
import { openStore } from '../src/store/open.js';
import { PG_ADMIN_URL, type TestDatabase } from '../test/support/databases.js';
import type { LatencyProxy, ProxyTraceConnection } from './latency-proxy.js';
import { cpuSeconds, peakRssMb, treeCpuSeconds } from './proc-cpu.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** This tree's CLI. */
export const BIN = join(ROOT, 'bin', 'touchpoint');

/** What every pass runs against: the seeded template, the Dovecot behind the proxy, and the mail every mailbox should hold. */
export interface Rig {
  template: TestDatabase;
  proxy: LatencyProxy;
  dovecotPid: () => number | undefined;
  mailboxes: number;
  /** Sightings the store must hold after a pass (mailboxes × messages so far): a pass that lost mail fails. */
  expectedSightings: () => number;
  /**
   * Warm-up mailboxes (their IMAP users) and the messages each holds: synced by the workers
   * before the timed passes, so those time warm workers, as a long-running deployment has.
   */
  warmup: { users: Set<string>; messages: number };
  /** BENCH_TRACE: the proxy's record of every connection (emptied after each pass). */
  trace?: ProxyTraceConnection[];
}

/** BENCH_TRACE=<file>: each pass appends one JSON line: the proxy's connections, the queue's jobs, this process's event-loop delay, the workers' log. */
const TRACE = process.env.BENCH_TRACE;

const workerLog: string[] = [];
function startWorker(url: string, concurrency: number, bin: string): { child: ChildProcess; ready: Promise<void> } {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const flags = (bin === BIN ? process.env.BENCH_WORKER_FLAGS : process.env.BENCH_BASE_FLAGS)?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...prof, ...flags, bin, '--db', url, 'worker', '--concurrency', String(concurrency)], {
    env: {
      ...process.env,
      TOUCHPOINT_LOG_LEVEL: 'info',
      TOUCHPOINT_QUEUE_POLL_MS: process.env.BENCH_QUEUE_POLL_MS ?? '500',
      TOUCHPOINT_OUTBOUND_ALLOW: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('"msg":"touchpoint started"')) resolve();
      if (process.env.BENCH_DEBUG) process.stderr.write(String(d));
      if (TRACE)
        workerLog.push(
          ...String(d)
            .split('\n')
            .filter((l) => l.includes('"msg"')),
        );
      if (out.length > 1e6) out = out.slice(-1e5);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return { child, ready };
}

export interface Pass {
  seconds: number;
  /** CPU seconds of the worker processes, PostgreSQL's backends of this database, and Dovecot. */
  cpu: { workers: number; postgres: number; dovecot: number };
  /**
   * CPU seconds of this benchmark's own process: the latency proxy (it runs here), the
   * sends and the 50 ms "all synced?" poll. An upper bound on the proxy's share.
   */
  benchCpu: number;
  /** CPU seconds the whole machine spent (all processes, /proc/stat), and what the pass's wall time offered. */
  machine: { busy: number; offered: number };
  /** IMAP sessions open at once through the proxy, at most. */
  peakSessions: number;
  /** The largest peak RSS of the pass's worker processes (VmHWM), in MB: a worker's memory bound. */
  workerPeakRssMb: number;
}

/**
 * A fresh database with a 10k-end-user directory and one IMAP connection per mailbox, then
 * `passes` rounds of "sync every connection now" by `processes` workers; between rounds
 * `between(round)` may change the mailboxes.
 */
export async function scenario(
  rig: Rig,
  processes: number,
  concurrency: number,
  passes = 1,
  between?: (pass: number) => void,
  bin = BIN,
): Promise<Pass[]> {
  const database = await cloneDatabase(rig.template);
  const db = await openStore(database.location, { poolMax: 4 });
  const workers: ReturnType<typeof startWorker>[] = [];
  const queue = await new PgBossQueue({ url: database.location }).start();
  try {
    for (let i = 0; i < processes; i++) workers.push(startWorker(database.location, concurrency, bin));
    await Promise.all(workers.map((w) => w.ready));
    const backends = async () =>
      (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db)).rows.map((r) => r.pid);
    const cpuNow = async () => ({
      workers: workers.reduce((t, w) => t + cpuSeconds(w.child.pid), 0),
      postgres: (await backends()).reduce((t, pid) => t + cpuSeconds(pid), 0),
      dovecot: treeCpuSeconds(rig.dovecotPid()),
    });
    const ws = (await sql<{ id: string }>`select id from workspaces`.execute(db)).rows[0]!.id;
    const all = await listConnections(db, ws);
    const isWarmup = (c: (typeof all)[number]) => rig.warmup.users.has(String((c.config as { user?: unknown }).user));
    const conns = all.filter((c) => !isWarmup(c));
    /** "Sync now" for each of `list` through the queue, then wait until `count` connections have synced since `since`. */
    const syncAll = async (list: typeof all, since: string, count: number) => {
      for (const c of list)
        await queue.send<SyncJobData>(SYNC_QUEUE, { workspaceId: ws, connectionId: c.id, reason: 'sync_now' }, { key: c.id });
      await untilSynced(db, since, count);
    };
    // A fresh process loads its modules, fills its caches and JIT-compiles inside its first
    // syncs (≈ 1 s more per sync at 3 × 4: docs/benchmarks.md, Scale-out, session 25); a
    // deployment's long-running workers paid that once. Three warm-up mailboxes per slot.
    const warm = all.filter(isWarmup).slice(0, 3 * processes * concurrency);
    if (warm.length) await syncAll(warm, new Date().toISOString(), warm.length);
    const out: Pass[] = [];
    for (let p = 0; p < passes; p++) {
      if (p > 0) between?.(p);
      rig.proxy.resetPeak();
      const before = await cpuNow();
      const bench0 = process.cpuUsage();
      const machine0 = machineCpuSeconds();
      const marker = new Date().toISOString();
      rig.trace?.splice(0);
      workerLog.splice(0);
      // Only when tracing: a 1 ms timer in the process that runs the proxy.
      const loop = monitorEventLoopDelay({ resolution: 1 });
      if (TRACE) loop.enable();
      const t0 = performance.now();
      await syncAll(conns, marker, rig.mailboxes);
      const seconds = (performance.now() - t0) / 1000;
      if (TRACE) loop.disable();
      if (TRACE) {
        const jobs =
          await sql`select data->>'key' as key, created_on, started_on, completed_on, state from pgboss.job where name = ${SYNC_QUEUE} and created_on >= ${marker} order by started_on`.execute(
            db,
          );
        const users = Object.fromEntries(conns.map((c) => [c.id, (c.config as { user?: string }).user]));
        const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
        const eventLoop = { mean: ms(loop.mean), p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) };
        appendFileSync(
          TRACE,
          `${JSON.stringify({ processes, concurrency, bin, t0: performance.timeOrigin + t0, seconds, eventLoop, users, jobs: jobs.rows, proxy: rig.trace, log: workerLog })}\n`,
        );
      }
      const benchUsage = process.cpuUsage(bench0);
      const after = await cpuNow();
      const cpu = {
        workers: after.workers - before.workers,
        postgres: after.postgres - before.postgres,
        dovecot: after.dovecot - before.dovecot,
      };
      const benchCpu = (benchUsage.user + benchUsage.system) / 1e6;
      const machine = { busy: machineCpuSeconds() - machine0, offered: seconds * cpus().length };
      const workerPeakRss = Math.max(...workers.map((w) => peakRssMb(w.child.pid)));
      out.push({ seconds, cpu, benchCpu, machine, peakSessions: rig.proxy.connections().peak, workerPeakRssMb: workerPeakRss });
    }
    const stored = Number((await sql<{ n: string }>`select count(*) as n from email_sightings`.execute(db)).rows[0]!.n);
    const expected = rig.expectedSightings() + warm.length * rig.warmup.messages;
    if (stored !== expected) throw new Error(`expected ${expected} sightings, found ${stored}`);
    return out;
  } finally {
    await queue.stop({ timeoutMs: 1000 });
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.child.exitCode === null ? once(w.child, 'exit') : null)));
    await db.destroy();
    await database.drop();
  }
}

/** A copy of the seeded database (PostgreSQL's CREATE DATABASE … TEMPLATE): seconds saved per run. */
async function cloneDatabase(template: TestDatabase): Promise<TestDatabase> {
  const url = new URL(template.location);
  const name = `${url.pathname.slice(1)}_run${++clones}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${url.pathname.slice(1)}`).finally(() => admin.end());
  url.pathname = `/${name}`;
  const drop = async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
  };
  return { dialect: 'postgres', location: url.toString(), drop };
}
let clones = 0;

async function untilSynced(db: Store, since: string, mailboxes: number): Promise<void> {
  const deadline = performance.now() + 5 * 60_000;
  for (;;) {
    const r = await sql<{ n: string }>`select count(*) as n from connections where last_success_at >= ${since}`.execute(db);
    if (Number(r.rows[0]!.n) >= mailboxes) return;
    if (performance.now() > deadline) {
      const errors = await sql<{ last_error: string | null }>`select last_error from connections where last_error is not null`.execute(db);
      throw new Error(`not every mailbox synced within 5 min: ${JSON.stringify(errors.rows.slice(0, 3))}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Busy CPU seconds of the whole machine so far (/proc/stat: all but idle and iowait; USER_HZ = 100). */
export function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
}
