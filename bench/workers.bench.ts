// Service benchmark (not a test; the store's own figures are bench/store.bench.ts):
//      50 folder mailboxes synced by 1 and by 2 `touchpoint worker` processes on PostgreSQL,
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
import { createConnection, listConnections } from '../src/store/connections.js';
import { openStore } from '../src/store/open.js';
import { createTestDatabase } from '../test/support/databases.js';
import { writeMailbox } from '../test/support/mailbox.js';
import { mailboxFiles, median, seedDirectory } from './workers-fixtures.js';
import { QUICK, absoluteRow } from './report.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
const CONFIG = { runs: int('BENCH_RUNS', QUICK ? 1 : 3), mailboxes: 50, files: int('BENCH_FILES', 200), concurrency: 4 };
const NOW = new Date('2026-03-20T12:00:00Z');
const AUTH = new Date('2026-01-01T00:00:00Z');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'touchpoint');
const round = (x: number) => Math.round(x);

// ---------------------------------------------------------------- (2) worker processes

function startWorker(url: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [BIN, '--db', url, 'worker', '--concurrency', String(CONFIG.concurrency)], {
    env: { ...process.env, TOUCHPOINT_LOG_LEVEL: 'info', TOUCHPOINT_QUEUE_POLL_MS: '500' },
    stdio: ['ignore', 'pipe', 'inherit'],
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

interface WorkersRun {
  seconds: number;
  workerCpu: number;
  postgresCpu: number;
}

async function workersRun(n: number, mailRoot: string): Promise<WorkersRun> {
  const database = await createTestDatabase('postgres', `bench-w${n}`);
  const db = await openStore(database.location, { poolMax: 4 });
  const workers: ReturnType<typeof startWorker>[] = [];
  try {
    const { ws, teammateIds } = await seedDirectory(db, CONFIG.mailboxes, NOW);
    for (let i = 0; i < CONFIG.mailboxes; i++) {
      await createConnection(
        db,
        ws.id,
        {
          teammateId: teammateIds[i]!,
          provider: 'folder',
          config: { mail: join(mailRoot, `box${i}`) },
          hasMail: true,
          hasCalendar: false,
          authorizedAt: AUTH,
        },
        NOW,
      );
    }
    const queue = await new PgBossQueue({ url: database.location }).start();
    for (let i = 0; i < n; i++) workers.push(startWorker(database.location));
    await Promise.all(workers.map((w) => w.ready));
    const conns = await listConnections(db, ws.id);
    const backends = async () =>
      (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db)).rows.map((r) => r.pid);
    const cpuOf = async () => ({
      workers: workers.reduce((t, w) => t + cpuSeconds(w.child.pid), 0),
      pg: (await backends()).reduce((t, pid) => t + cpuSeconds(pid), 0),
    });
    const before = await cpuOf();
    const t0 = performance.now();
    for (const c of conns)
      await queue.send<SyncJobData>(SYNC_QUEUE, { workspaceId: ws.id, connectionId: c.id, reason: 'sync_now' }, { key: c.id });
    const done = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from connections where last_success_at is not null`.execute(db)).rows[0]!.n);
    while ((await done()) < CONFIG.mailboxes) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - t0) / 1000;
    const after = await cpuOf();
    await queue.stop({ timeoutMs: 1000 });
    const stored = Number((await sql<{ n: string }>`select count(*) as n from email_sightings`.execute(db)).rows[0]!.n);
    if (stored !== CONFIG.mailboxes * CONFIG.files)
      throw new Error(`expected ${CONFIG.mailboxes * CONFIG.files} sightings, found ${stored}`);
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
const mailRoot = mkdtempSync(join(tmpdir(), 'tp-bench-mail-'));
for (let i = 0; i < CONFIG.mailboxes; i++) writeMailbox(join(mailRoot, `box${i}`), mailboxFiles(i, CONFIG.files));
const items = CONFIG.mailboxes * CONFIG.files;
const secs: Record<1 | 2, number[]> = { 1: [], 2: [] };
const cpu: Record<1 | 2, { workers: number[]; postgres: number[] }> = {
  1: { workers: [], postgres: [] },
  2: { workers: [], postgres: [] },
};
await workersRun(1, mailRoot); // warm-up: the CLI bundle, PostgreSQL caches
for (let r = 0; r < CONFIG.runs; r++) {
  for (const n of (r % 2 ? [2, 1] : [1, 2]) as (1 | 2)[]) {
    const x = await workersRun(n, mailRoot);
    secs[n].push(x.seconds);
    cpu[n].workers.push(Number(x.workerCpu.toFixed(2)));
    cpu[n].postgres.push(Number(x.postgresCpu.toFixed(2)));
    console.log(
      `workers ×${n} run ${r + 1}: ${items} items in ${x.seconds.toFixed(2)} s = ${round(items / x.seconds)} items/s; CPU: workers ` +
        `${x.workerCpu.toFixed(1)} s, PostgreSQL ${x.postgresCpu.toFixed(1)} s; load ${loadavg()[0]!.toFixed(1)}`,
    );
  }
}
rmSync(mailRoot, { recursive: true, force: true });

const one = median(secs[1]);
const two = median(secs[2]);
const rows = [
  absoluteRow({
    id: 'workers.speedup',
    what: `${CONFIG.mailboxes} folder mailboxes (${items.toLocaleString('en-US')} files) on PostgreSQL: 2 worker processes vs 1, speed-up`,
    limit: '1 worker process, same run, alternating',
    unit: '×',
    value: secs[1].map((s, i) => s / secs[2][i]!),
    target: '≥ 1.7×',
    met: (m) => m >= 1.7,
  }),
];
const result = {
  bench: 'workers',
  rows,
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  loadAverageAtStart: load,
  config: CONFIG,
  workers: {
    items,
    oneWorkerSeconds: secs[1],
    twoWorkersSeconds: secs[2],
    oneWorkerItemsPerSec: round(items / one),
    twoWorkersItemsPerSec: round(items / two),
    speedup: Number((one / two).toFixed(2)),
    cpuSeconds: cpu,
    /** Items per CPU-second of the worker processes, and of PostgreSQL's backends: what an idle machine would give. */
    workerItemsPerCpuSecond: round(items / median(cpu[1].workers)),
    postgresItemsPerCpuSecond: round(items / median(cpu[1].postgres)),
  },
  targets: { speedup: 1.7 },
};
console.log(
  `workers (median): 1 process ${result.workers.oneWorkerItemsPerSec} items/s, 2 processes ${result.workers.twoWorkersItemsPerSec} items/s: ` +
    `speed-up ${result.workers.speedup}× (target ≥ 1.7×)`,
);
console.log(
  `CPU per item (1 worker, median): ${result.workers.workerItemsPerCpuSecond} items per worker CPU-second, ` +
    `${result.workers.postgresItemsPerCpuSecond} per PostgreSQL CPU-second`,
);
const out = join(ROOT, 'bench', 'results', 'workers.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${out}`);
