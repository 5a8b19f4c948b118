// Scale-out benchmark (not a test): 50 IMAP mailboxes on a real Dovecot, reached through a
// latency proxy (bench/latency-proxy.ts: 40 ms round trip, 10 Mbit/s per connection), the
// way a worker sees Gmail or Microsoft 365, synced by `touchpoint worker` processes on
// PostgreSQL. Same run, alternating:
//  (a) 1, 2 and 3 worker processes (concurrency 4 each): targets ≥ 1.8× and ≥ 2.5× vs 1;
//  (b) one process with concurrency 1 vs 8: target ≥ 5×;
//  (c) the sizing model: CPU of the workers, PostgreSQL and Dovecot per initial sync, per
//      incremental sync with nothing new, and per incremental sync with one new message.
//
//   npm run bench:workers                     (50 × 200 messages; 3 runs; ~10 min)
//   BENCH_QUICK=1 npm run bench:workers       (1 run)
//   knobs: BENCH_RUNS, BENCH_MAILBOXES, BENCH_MESSAGES, BENCH_RTT_MS, BENCH_MBIT, BENCH_WARM_MAILBOXES
//   (36: before each timed pass the workers sync 3 warm-up mailboxes per slot, as long-running
//   workers are warm; 0: the timed pass is each fresh process's first work, as before session 25)
//   A/B and profiling (printed, nothing written): BENCH_SETUPS=c1,c8 runs only those set-ups
//   (p1 p2 p3 c1 c8) and no model passes (add `model` for them, after the set-ups: they append mail); BENCH_BASE_ROOT=<another worktree> runs each set-up
//   with that tree's `bin/touchpoint` too, alternating with this one's (same Dovecot, proxy,
//   template); BENCH_CPU_PROF=<dir> starts the workers with --cpu-prof into that directory;
//   BENCH_WORKER_FLAGS / BENCH_BASE_FLAGS: node flags for this tree's / the base's workers;
//   BENCH_QUEUE_POLL_MS: the workers' queue polling interval (default 500; the service's own default is 1000).
//   BENCH_TRACE=<file>: each pass appends a JSON line: every proxied connection with each chunk's
//   arrival, modelled and actual delivery time (so IMAP command timings and the proxy's own lateness),
//   the queue's jobs (started / completed), this process's event-loop delay and the workers' log.
import { cpus, loadavg } from 'node:os';
import { startDovecot } from '../scripts/services/dovecot.js';
import { loadConfig } from '../src/config/index.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { createConnection } from '../src/store/connections.js';
import type { Store } from '../src/store/db.js';
import { openStore } from '../src/store/open.js';
import { createTestDatabase } from '../test/support/databases.js';
import { startLatencyProxy } from './latency-proxy.js';
import { QUICK, absoluteRow, median, saveResults } from './report.js';
import { BIN, type Pass, type Rig, scenario } from './workers-scenario.js';
import { imapMessage, seedDirectory } from './workers-fixtures.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
const CONFIG = {
  runs: int('BENCH_RUNS', QUICK ? 1 : 3),
  mailboxes: int('BENCH_MAILBOXES', 50),
  messages: int('BENCH_MESSAGES', 200),
  rttMs: int('BENCH_RTT_MS', 40),
  mbitPerConnection: int('BENCH_MBIT', 10),
  concurrency: 4,
  /** Mailboxes the workers sync before a timed pass (3 per slot, up to this many), of `warmMessages` each. */
  warmMailboxes: int('BENCH_WARM_MAILBOXES', 36),
  warmMessages: 40,
};
const warmUser = (i: number) => `warm${i}`;
const NOW = new Date('2026-03-20T12:00:00Z');
const AUTH = new Date('2026-01-01T00:00:00Z');
const PASSWORD = 'bench-password';
process.env.TOUCHPOINT_SECRET_KEY ??= 'touchpoint-benchmark-secret-key-0123456789';
const log = (s: string) => console.log(`${s}; load ${loadavg()[0]!.toFixed(1)}`);

async function addConnections(db: Store, port: number): Promise<void> {
  const { ws, teammateIds } = await seedDirectory(db, CONFIG.mailboxes + CONFIG.warmMailboxes, NOW);
  const secretEnc = createSecrets(loadConfig({ env: process.env }).secretKey).encrypt(PASSWORD);
  for (let i = 0; i < CONFIG.mailboxes + CONFIG.warmMailboxes; i++) {
    const user = i < CONFIG.mailboxes ? `box${i}` : warmUser(i - CONFIG.mailboxes);
    const config = { host: '127.0.0.1', port, security: 'plain', user, auth: 'password', folders: ['INBOX'], pageSize: 500 };
    await createConnection(
      db,
      ws.id,
      { teammateId: teammateIds[i]!, provider: 'imap', config, secretEnc, hasMail: true, hasCalendar: false, authorizedAt: AUTH },
      NOW,
    );
  }
}
// ---------------------------------------------------------------- main

const load = loadavg()[0]!;
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average ${load.toFixed(2)}`);
const warmUsers = Array.from({ length: CONFIG.warmMailboxes }, (_, i) => warmUser(i));
const users = Object.fromEntries(
  [...Array.from({ length: CONFIG.mailboxes }, (_, i) => `box${i}`), ...warmUsers].map((u) => [u, PASSWORD]),
);
const d = await startDovecot({ users, maxConnections: 100 });
const items = CONFIG.mailboxes * CONFIG.messages;
const at = (k: number) => new Date(AUTH.getTime() + 86_400_000 + k * 60_000);
/** `count` messages of mailbox number `i` into `user`'s Maildir. */
const fill = (user: string, i: number, count: number) =>
  d.writeMaildir(
    user,
    Array.from({ length: count }, (_, k) => ({ raw: imapMessage(i, k, at(k)), at: at(k) })),
  );
for (let i = 0; i < CONFIG.mailboxes; i++) fill(`box${i}`, i, CONFIG.messages);
// Mailboxes of their own (numbered past the timed ones): the same kind of mail, other messages.
for (const [w, user] of warmUsers.entries()) fill(user, CONFIG.mailboxes + w, CONFIG.warmMessages);
const trace = process.env.BENCH_TRACE ? [] : undefined;
const proxy = await startLatencyProxy({
  targetHost: d.host,
  targetPort: d.port,
  oneWayMs: CONFIG.rttMs / 2,
  bitsPerSecond: CONFIG.mbitPerConnection * 1_000_000,
  ...(trace ? { trace } : {}),
});
const template = await createTestDatabase('postgres', 'bench-workers');
{
  const db = await openStore(template.location, { poolMax: 2 });
  await addConnections(db, proxy.port);
  await db.destroy();
}
const rig: Rig = {
  template,
  proxy,
  dovecotPid: () => d.pid(),
  mailboxes: CONFIG.mailboxes,
  expectedSightings: () => CONFIG.mailboxes * (CONFIG.messages + added),
  warmup: { users: new Set(warmUsers), messages: CONFIG.warmMessages },
  ...(trace ? { trace } : {}),
};
type Key = 'p1' | 'p2' | 'p3' | 'c1' | 'c8';
const ONLY = process.env.BENCH_SETUPS?.split(',') as (Key | 'model')[] | undefined;
/** Messages appended to every mailbox by model passes so far (each adds one: the sightings check counts them). */
let added = 0;
// A path of its own even for this tree (BENCH_BASE_ROOT=. with BENCH_BASE_FLAGS: node flags A/B).
const BASE_BIN = process.env.BENCH_BASE_ROOT ? `${process.env.BENCH_BASE_ROOT}/bin/./touchpoint` : undefined;
const passes: Record<Key, Pass[]> = { p1: [], p2: [], p3: [], c1: [], c8: [] };
const SETUPS: Record<Key, [processes: number, concurrency: number]> = {
  p1: [1, CONFIG.concurrency],
  p2: [2, CONFIG.concurrency],
  p3: [3, CONFIG.concurrency],
  c1: [1, 1],
  c8: [1, 8],
};
const describe = (x: Pass) =>
  `${x.seconds.toFixed(1)} s = ${Math.round(items / x.seconds)} msg/s; ${x.peakSessions} sessions at once; CPU s: workers ` +
  `${x.cpu.workers.toFixed(1)}, PostgreSQL ${x.cpu.postgres.toFixed(1)}, Dovecot ${x.cpu.dovecot.toFixed(1)}, ` +
  `proxy+bench ${x.benchCpu.toFixed(1)}; CPU floor on ${cpus().length} cores ${cpuFloor(x).toFixed(1)} s; ` +
  `machine busy ${x.machine.busy.toFixed(1)} of ${x.machine.offered.toFixed(1)} CPU-s; ` +
  `CPU-s per 1k messages ${(((x.cpu.workers + x.cpu.postgres + x.cpu.dovecot) / items) * 1000).toFixed(2)} ` +
  `(workers ${((x.cpu.workers / items) * 1000).toFixed(2)}, PostgreSQL ${((x.cpu.postgres / items) * 1000).toFixed(2)}); ` +
  `worker peak RSS ${Math.round(x.workerPeakRssMb)} MB`;
/** The shortest wall time the machine's cores allow for the CPU this pass used. */
const cpuFloor = (x: Pass) => (x.cpu.workers + x.cpu.postgres + x.cpu.dovecot + x.benchCpu) / cpus().length;
try {
  await scenario(rig, 1, 8); // warm-up: the CLI bundle, Dovecot's indexes, PostgreSQL's caches
  if (BASE_BIN) await scenario(rig, 1, 8, 1, undefined, BASE_BIN); // the base tree's bundle
  if (ONLY) await abRuns(ONLY.filter((k) => k !== 'model'));
  if (ONLY?.includes('model')) await abModel();
  for (let r = 0; r < (ONLY ? 0 : CONFIG.runs); r++) {
    const order: Key[] = r % 2 ? ['c8', 'p3', 'p2', 'p1', 'c1'] : ['c1', 'p1', 'p2', 'p3', 'c8'];
    for (const k of order) {
      const [x] = await scenario(rig, ...SETUPS[k]);
      passes[k].push(x!);
      log(`run ${r + 1} ${k} (${SETUPS[k].join(' process(es) × concurrency ')}): ${describe(x!)}`);
    }
  }
  // (c) the model: initial, incremental with nothing new, incremental with one new message each.
  const model = ONLY ? [] : await modelPasses();
  for (const [i, m] of model.entries()) log(`model pass ${i + 1}: ${describe(m)}`);
  if (!ONLY) report(model);
} finally {
  await proxy.close();
  await template.drop();
  await d.stop();
}

/** BENCH_SETUPS (and BENCH_BASE_ROOT): the chosen set-ups, each run with this tree and the base alternating. */
async function abRuns(only: Key[]): Promise<void> {
  const trees: [string, string | undefined][] = BASE_BIN
    ? [
        ['new', BIN],
        ['base', BASE_BIN],
      ]
    : [['new', BIN]];
  for (let r = 0; r < CONFIG.runs; r++)
    for (const k of only)
      for (const [name, bin] of r % 2 ? [...trees].reverse() : trees) {
        const [x] = await scenario(rig, ...SETUPS[k], 1, undefined, bin);
        log(`run ${r + 1} ${k} ${name}: ${describe(x!)}`);
      }
}

/**
 * The model's three passes at concurrency 8 on a fresh copy: initial, incremental with nothing
 * new, incremental with one new message in every mailbox (appended to Dovecot before pass 3).
 */
async function modelPasses(bin = BIN): Promise<Pass[]> {
  return scenario(
    rig,
    1,
    8,
    3,
    (p) => {
      if (p !== 2) return;
      const k = CONFIG.messages + 1 + added++; // a new message each time the model runs
      for (let i = 0; i < CONFIG.mailboxes; i++) d.writeMaildir(`box${i}`, [{ raw: imapMessage(i, k, new Date()), at: new Date() }]);
    },
    bin,
  );
}

/** BENCH_SETUPS=…,model: the model passes (incremental syncs) with this tree and the base, alternating. Last: they add mail. */
async function abModel(): Promise<void> {
  const trees: [string, string][] = BASE_BIN
    ? [
        ['new', BIN],
        ['base', BASE_BIN],
      ]
    : [['new', BIN]];
  for (let r = 0; r < CONFIG.runs; r++)
    for (const [name, bin] of r % 2 ? [...trees].reverse() : trees) {
      const xs = await modelPasses(bin);
      for (const [i, x] of xs.entries()) {
        const perSync = (cpu: number) => ((cpu / CONFIG.mailboxes) * 1000).toFixed(1);
        const ms = `CPU ms per sync: workers ${perSync(x.cpu.workers)}, PostgreSQL ${perSync(x.cpu.postgres)}`;
        log(`run ${r + 1} model pass ${i + 1} ${name}: ${x.seconds.toFixed(2)} s; ${ms}; ${describe(x)}`);
      }
    }
}

function report(model: Pass[]): void {
  const secs = (k: Key) => passes[k].map((x) => x.seconds);
  const speedup = (a: Key, b: Key) => secs(a).map((s, i) => s / secs(b)[i]!);
  const cpuOf = (x: Pass) => x.cpu.workers + x.cpu.postgres + x.cpu.dovecot;
  const per1k = (k: Key, part: keyof Pass['cpu']) => Number(((median(passes[k].map((x) => x.cpu[part])) / items) * 1000).toFixed(2));
  const n = `${CONFIG.mailboxes} IMAP mailboxes (${items.toLocaleString('en-US')} messages) at ${CONFIG.rttMs} ms RTT, ${CONFIG.mbitPerConnection} Mbit/s`;
  const rows = [
    absoluteRow({
      id: 'workers.speedup2',
      what: `${n}, PostgreSQL: 2 worker processes vs 1 (concurrency ${CONFIG.concurrency} each), speed-up`,
      limit: '1 worker process, same run, alternating',
      unit: '×',
      value: speedup('p1', 'p2'),
      target: '≥ 1.8×',
      met: (m) => m >= 1.8,
    }),
    absoluteRow({
      id: 'workers.speedup3',
      what: `${n}: 3 worker processes vs 1, speed-up`,
      limit: '1 worker process, same run, alternating',
      unit: '×',
      value: speedup('p1', 'p3'),
      target: '≥ 2.5×',
      met: (m) => m >= 2.5,
    }),
    absoluteRow({
      id: 'workers.concurrency8',
      what: `${n}: one worker process, concurrency 8 vs 1, speed-up`,
      limit: 'concurrency 1, same run, alternating',
      unit: '×',
      value: speedup('c1', 'c8'),
      target: '≥ 5×',
      met: (m) => m >= 5,
    }),
  ];
  const [initial, idle, oneNew] = model as [Pass, Pass, Pass];
  const perSync = (x: Pass) => ({
    workers: Number(((x.cpu.workers / CONFIG.mailboxes) * 1000).toFixed(1)),
    postgres: Number(((x.cpu.postgres / CONFIG.mailboxes) * 1000).toFixed(1)),
    dovecot: Number(((x.cpu.dovecot / CONFIG.mailboxes) * 1000).toFixed(1)),
  });
  const details = {
    config: CONFIG,
    loadAverageAtStart: load,
    seconds: Object.fromEntries(Object.keys(passes).map((k) => [k, secs(k as Key).map((s) => Number(s.toFixed(2)))])),
    peakSessions: Object.fromEntries(Object.entries(passes).map(([k, xs]) => [k, xs.map((x) => x.peakSessions)])),
    /** CPU-seconds per 1,000 messages of an initial sync, by process, per set-up (medians). */
    cpuSecondsPer1kMessages: Object.fromEntries(
      (Object.keys(passes) as Key[]).map((k) => [
        k,
        { workers: per1k(k, 'workers'), postgres: per1k(k, 'postgres'), dovecot: per1k(k, 'dovecot') },
      ]),
    ),
    postgresShareOfCpu: Number((median(passes.p1.map((x) => x.cpu.postgres / cpuOf(x))) * 100).toFixed(1)),
    model: {
      initialSeconds: Number(initial.seconds.toFixed(2)),
      /** CPU milliseconds per connection sync, by process. */
      cpuMsPerIncrementalSyncNothingNew: perSync(idle),
      cpuMsPerIncrementalSyncOneNew: perSync(oneNew),
      incrementalSecondsAll: Number(idle.seconds.toFixed(2)),
      oneNewSecondsAll: Number(oneNew.seconds.toFixed(2)),
      /** Wall time of one sync with nothing new at concurrency 8: what bounds a worker when CPU does not. */
      wallSecondsPerIncrementalSync: Number(((idle.seconds * Math.min(8, CONFIG.mailboxes)) / CONFIG.mailboxes).toFixed(2)),
    },
  };
  console.log(JSON.stringify(details, null, 2));
  console.log(`wrote ${saveResults('workers', rows, details)}`);
}
