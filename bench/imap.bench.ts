// IMAP benchmark against a real Dovecot on this machine (not a test):
//  (a) the protocol limit: imapflow fetching envelope + header block of every message;
//  (b) Touchpoint's full initial sync of the same mailbox (fetch headers, decide against a
//      directory of 100k end users, store, download bodies of linked mail), same run;
//  (c) new-mail → linked latency with `watch` (IMAP IDLE), over 50 appends, less the server's own
//      notify delay (append → EXISTS on the watcher's IDLE session); then 20 more while another
//      mailbox's initial sync runs in the same process.
//
//   npm run bench:imap                       (10,000 messages of ~7 KB, 100,000 end users)
//   BENCH_MESSAGES=2000 BENCH_RUNS=1 npm run bench:imap   (a quick look)
//   BENCH_ONLY_INITIAL=1 npm run bench:imap  (rows (a) and (b) only, no push passes, no JSON written:
//                                            A/B runs and profiles of the initial sync)
//   BENCH_ONLY=push npm run bench:imap       (the push passes only, after the one sync they need; prints, writes nothing)
//   BENCH_PROFILE=dir                        (a CPU profile of each timed sync alone: dir/imap-initial-<run>.cpuprofile)
//
// Targets: (b)/(a) ≤ 1.5; our share of the push p95 ≤ 100 ms, quiet and busy. Results go to bench/results/imap.json.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startDovecot, type Dovecot } from '../scripts/services/dovecot.js';
import { openSqlite } from '../src/store/dialects/sqlite.js';
import { addAccount, insertEndUser } from '../src/store/directory.js';
import { createWorkspace, findWorkspace } from '../src/store/workspaces.js';
import { syncAll } from '../src/sync/run-sync.js';
import { AUTH, CONFIG, PASSWORD, aliceClient, connectMailbox, connectors, directory, log, message, withStore } from './imap-shared.js';
import { PUSH_SHARE_MS, pushLatency, pushRow, pushSummary } from './imap-push.js';
import { profiled } from './profile.js';
import { ratioRow } from './report.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function buildDirectory(path: string, d: Dovecot): Promise<void> {
  const db = await openSqlite(path);
  const now = new Date('2026-03-01T00:00:00Z');
  const ws = await createWorkspace(db, 'bench', ['ourco.com'], now);
  await db.transaction().execute(async (trx) => {
    for (let a = 0; a < CONFIG.accounts; a++) await addAccount(trx, ws.id, { id: `acc-${a}`, name: `Customer ${a}` }, now);
    for (let u = 0; u < CONFIG.endUsers; u++) {
      await insertEndUser(
        trx,
        ws.id,
        { accountId: `acc-${u % CONFIG.accounts}`, email: `user${u}@customer${u % CONFIG.accounts}.com`, source: 'csv' },
        now,
      );
    }
  });
  await connectMailbox(db, ws.id, d, 'alice', now);
  await db.destroy();
}

async function protocolLimit(d: Dovecot): Promise<number> {
  const c = aliceClient(d);
  await c.connect();
  const t0 = performance.now();
  await c.mailboxOpen('INBOX', { readOnly: true });
  let n = 0;
  for await (const m of c.fetch('1:*', { uid: true, envelope: true, internalDate: true, headers: true })) if (m.headers) n++;
  const ms = performance.now() - t0;
  await c.logout();
  if (n !== CONFIG.messages) throw new Error(`fetched ${n} of ${CONFIG.messages}`);
  return ms;
}

/** Loads the index once (as a worker does at its first job); returns how long that took. */
async function warmDirectory(template: string, dir: string): Promise<number> {
  const path = join(dir, 'warm.db');
  copyFileSync(template, path);
  return withStore(path, async (db) => {
    const ws = (await findWorkspace(db))!;
    const t0 = performance.now();
    await directory({ db, ws, now: new Date('2026-03-10T00:00:00Z'), actor: 'bench', connectors });
    return performance.now() - t0;
  });
}

async function fullSync(template: string, dir: string, run: number): Promise<{ ms: number; linked: number }> {
  const path = join(dir, `run-${run}.db`);
  copyFileSync(template, path);
  return withStore(path, async (db) => {
    const ws = (await findWorkspace(db))!;
    const t0 = performance.now();
    const [r] = await profiled(`imap-initial-${run + 1}`, () =>
      syncAll({ db, ws, now: new Date('2026-03-10T00:00:00Z'), actor: 'bench', connectors }, undefined, { directory }),
    );
    const ms = performance.now() - t0;
    if (r?.mail.seen !== CONFIG.messages) throw new Error(`sync saw ${r?.mail.seen} (${r?.failure ?? ''})`);
    return { ms, linked: r.mail.linked };
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tp-bench-imap-'));
const d = await startDovecot({ users: { alice: PASSWORD, bob: PASSWORD } });
try {
  log(`mailbox: ${CONFIG.messages} messages; directory: ${CONFIG.endUsers} end users in ${CONFIG.accounts} accounts`);
  d.writeMaildir(
    'alice',
    Array.from({ length: CONFIG.messages }, (_, i) => {
      const at = new Date(AUTH.getTime() + 86_400_000 + i * 60_000);
      return { raw: message(i, at), at };
    }),
  );
  const template = join(dir, 'template.db');
  await buildDirectory(template, d);
  await protocolLimit(d); // warm-up: Dovecot indexes the new Maildir on first look
  const directoryLoadMs = await warmDirectory(template, dir);
  log(`directory index of ${CONFIG.endUsers} end users loaded once: ${directoryLoadMs.toFixed(0)} ms`);
  const a: number[] = [];
  const b: number[] = [];
  let linked = 0;
  for (let run = 0; run < (CONFIG.only ? 1 : CONFIG.runs); run++) {
    a.push(await protocolLimit(d));
    const r = await fullSync(template, dir, run);
    b.push(r.ms);
    linked = r.linked;
    log(`run ${run + 1}: protocol ${a[run]!.toFixed(0)} ms, touchpoint ${b[run]!.toFixed(0)} ms`);
  }
  if (CONFIG.onlyInitial) {
    const ratio = median(b) / median(a);
    console.log(
      `initial sync only: protocol ${Math.round(median(a))} ms, touchpoint ${Math.round(median(b))} ms, ratio ${ratio.toFixed(2)}× ` +
        `(runs ${a.map(Math.round).join('/')} vs ${b.map(Math.round).join('/')}; load ${loadavg()[0]!.toFixed(1)})`,
    );
  } else {
    const quiet = await pushLatency(d, join(dir, 'run-0.db'));
    log(`writing ${CONFIG.busyMessages} messages for the mailbox whose initial sync runs during the next appends …`);
    d.writeMaildir(
      'bob',
      Array.from({ length: CONFIG.busyMessages }, (_, i) => {
        const at = new Date(AUTH.getTime() + 86_400_000 + i * 60_000);
        return { raw: message(i, at, 'bob-'), at };
      }),
    );
    const busy = await pushLatency(d, join(dir, 'run-0.db'), 'bob');
    if (CONFIG.only) {
      for (const [name, p] of Object.entries({ quiet: pushSummary(quiet), busy: pushSummary(busy) }))
        console.log(`push ${name}: ${JSON.stringify(p)}`);
      console.log(
        `load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
      );
      process.exitCode = 0;
    } else {
      const n = CONFIG.messages.toLocaleString('en-US');
      const rows = [
        ratioRow({
          id: 'imap.initial',
          what:
            `initial IMAP sync of ${n} messages (fetch + decide + store; bodies of the ${linked} linked), directory of ` +
            `${CONFIG.endUsers.toLocaleString('en-US')}`,
          limit: 'imapflow fetching the same envelopes + headers',
          unit: 'ms',
          value: b,
          limitRuns: a,
          kind: 'time',
          maxRatio: 1.5,
        }),
        pushRow('imap.push', `new mail → linked with IDLE, ${quiet.length} appends`, quiet),
        pushRow(
          'imap.push.busy',
          `the same, ${busy.length} appends while another mailbox's initial sync (${CONFIG.busyMessages.toLocaleString('en-US')} messages) runs in the same process`,
          busy,
        ),
      ];
      const result = {
        bench: 'imap',
        rows,
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((x) => Number(x.toFixed(2))) },
        config: CONFIG,
        protocolLimitMs: Math.round(median(a)),
        touchpointInitialSyncMs: Math.round(median(b)),
        ratio: Number((median(b) / median(a)).toFixed(2)),
        linkedMessages: linked,
        directoryLoadMs: Math.round(directoryLoadMs),
        runs: { protocolMs: a.map(Math.round), touchpointMs: b.map(Math.round) },
        push: { quiet: pushSummary(quiet), busy: pushSummary(busy) },
        targets: { ratio: 1.5, pushShareP95Ms: PUSH_SHARE_MS },
      };
      const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'imap.json');
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
      console.log(`(a) protocol limit, envelope+headers of ${CONFIG.messages}: ${result.protocolLimitMs} ms (median of ${CONFIG.runs})`);
      console.log(
        `(b) touchpoint initial sync (fetch, decide vs ${CONFIG.endUsers} end users, store, ${linked} bodies): ${result.touchpointInitialSyncMs} ms`,
      );
      console.log(`    ratio ${result.ratio}× (target ≤ 1.5×)`);
      for (const [name, p] of Object.entries(result.push))
        console.log(
          `(c) new mail → linked with IDLE, ${name}, ${p.appends} appends: p95 ${p.totalP95} ms, of which the server's own notify p95 ${p.serverP95} ms; our share p95 ${p.shareP95} ms (target ≤ ${PUSH_SHARE_MS} ms)`,
        );
      console.log(`results: ${out}`);
    }
  }
} finally {
  await d.stop();
  rmSync(dir, { recursive: true, force: true });
}
