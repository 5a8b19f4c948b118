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
//
// Targets: (b)/(a) ≤ 1.5; our share of the push p95 ≤ 100 ms, quiet and busy. Results go to bench/results/imap.json.
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startDovecot, type Dovecot } from '../scripts/services/dovecot.js';
import { createConnection, listConnections } from '../src/store/connections.js';
import type { Store } from '../src/store/db.js';
import { openSqlite } from '../src/store/dialects/sqlite.js';
import { addAccount, addTeammate, insertEndUser } from '../src/store/directory.js';
import { loadConfig } from '../src/config/index.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { createWorkspace, findWorkspace } from '../src/store/workspaces.js';
import { directoryCache } from '../src/store/directory-version.js';
import { syncAll } from '../src/sync/run-sync.js';
import { runWatch } from '../src/sync/watch.js';
import { QUICK, absoluteRow, ratioRow } from './report.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
const CONFIG = {
  messages: int('BENCH_MESSAGES', 10_000),
  endUsers: int('BENCH_USERS', 100_000),
  accounts: int('BENCH_ACCOUNTS', 10_000),
  /** Share of mail from an end user (linked, so its body is downloaded too). */
  linkedShare: 0.3,
  runs: int('BENCH_RUNS', QUICK ? 1 : 3),
  appends: int('BENCH_APPENDS', 50),
  /** Appends measured while another mailbox's initial sync runs, and that mailbox's size. */
  busyAppends: int('BENCH_BUSY_APPENDS', 20),
  busyMessages: int('BENCH_BUSY_MESSAGES', 40_000),
  /** Only the initial-sync rows: the push passes are skipped and no results file is written. */
  onlyInitial: process.env.BENCH_ONLY_INITIAL === '1',
  /** `push`: only the push passes (after the one initial sync they need); nothing is written. */
  only: process.env.BENCH_ONLY === 'push' ? ('push' as const) : null,
};
const AUTH = new Date('2026-01-01T00:00:00Z');
const PASSWORD = 'bench-password';
process.env.TOUCHPOINT_SECRET_KEY ??= 'touchpoint-benchmark-secret-key-0123456789';
// Dovecot listens on loopback, which the outbound policy refuses unless an operator allows it.
process.env.TOUCHPOINT_OUTBOUND_ALLOW ??= '127.0.0.1/32';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const log = (s: string) => process.stderr.write(`${s}\n`);
const config = loadConfig({ env: process.env });
/** What a sync needs to reach the server: the key that decrypts the stored password. */
const connectors = { secrets: createSecrets(config.secretKey), settings: config };

/** A ~7 KB message with a realistic header block (Received chain, DKIM, list headers). */
function message(i: number, at: Date, tag = ''): string {
  const from =
    i % Math.round(1 / CONFIG.linkedShare) === 0
      ? `user${(i * 7919) % CONFIG.endUsers}@customer${((i * 7919) % CONFIG.endUsers) % CONFIG.accounts}.com`
      : `news${i % 500}@vendor${i % 97}.example`;
  const headers = [
    ...[1, 2, 3].map(
      (h) =>
        `Received: from mx${h}.relay.example (mx${h}.relay.example [192.0.2.${h}])\r\n\tby mx.ourco.com with ESMTPS id ${i}x${h}; ${at.toUTCString()}`,
    ),
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=relay.example; s=s1;\r\n\tbh=${'A'.repeat(44)}=;\r\n\tb=${'B'.repeat(340)}`,
    `From: Sender ${i} <${from}>`,
    'To: Alice <alice@ourco.com>',
    i % 4 === 0 ? 'Cc: dan@ourco.com, support@ourco.com' : null,
    `Subject: Quarterly review ${i}`,
    `Date: ${at.toUTCString()}`,
    `Message-ID: <bench-${tag}${i}@mail.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ].filter(Boolean);
  const line = 'Thanks for the update on the renewal; here are our notes from the quarterly review meeting.\r\n';
  return `${headers.join('\r\n')}\r\n\r\n${line.repeat(Math.ceil(5_600 / line.length))}`;
}

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
  const c = new ImapFlow({
    host: d.host,
    port: d.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'alice', pass: PASSWORD },
    logger: false,
    disableAutoIdle: true,
  });
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

async function withStore<T>(path: string, fn: (db: Store) => Promise<T>): Promise<T> {
  const db = await openSqlite(path);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/**
 * The directory index as the service's sync job keeps it (service/sync-job.ts): loaded once per
 * process and again only when the directory changes, not per sync. Every run's store is a copy of
 * one template, so its directory version is the same and the index loaded at warm-up is reused.
 */
const directory = directoryCache(1);

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
    const [r] = await syncAll({ db, ws, now: new Date('2026-03-10T00:00:00Z'), actor: 'bench', connectors }, undefined, { directory });
    const ms = performance.now() - t0;
    if (r?.mail.seen !== CONFIG.messages) throw new Error(`sync saw ${r?.mail.seen} (${r?.failure ?? ''})`);
    return { ms, linked: r.mail.linked };
  });
}

/** One append: append → linked in our store, and append → the server's EXISTS on our IDLE session (its own delay). */
interface PushSample {
  totalMs: number;
  serverMs: number;
}

/** What is ours of an append's latency: the time after the server told an IDLE client. */
const shares = (xs: PushSample[]) => xs.map((x) => x.totalMs - x.serverMs);

/**
 * New mail → linked with IDLE, as `touchpoint watch` runs it for alice's INBOX. The moment the
 * watcher's IDLE session receives the server's EXISTS (its `announced` event) ends the server's
 * own notify delay (inotify, ~0.5 s), measured per append; our share is what remains. With `busyUser`, the appends
 * are measured while another mailbox's initial sync runs in the same process on the same store
 * (as `serve` runs two syncs at once); only appends linked before that sync ended count.
 */
async function pushLatency(d: Dovecot, path: string, busyUser?: string): Promise<PushSample[]> {
  return withStore(path, async (db) => {
    const ws = (await findWorkspace(db))!;
    const [alice] = await listConnections(db, ws.id);
    const busyConn = busyUser ? await connectMailbox(db, ws.id, d, busyUser, new Date()) : null;
    const ac = new AbortController();
    let idle = false;
    let announced = { n: 0, at: 0 };
    const watching = runWatch({
      ctx: async () => ({ db, ws, now: new Date(), actor: 'bench', connectors }),
      connectionId: alice!.id,
      signal: ac.signal,
      log: (e) => {
        if (e.event === 'push' && e.state === 'idle') idle = true;
        if (e.event === 'announced' && e.why === 'new_mail') announced = { n: announced.n + 1, at: performance.now() };
      },
    });
    while (!idle) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 2_000)); // start-up catch-up sync
    const reader = new Database(path, { readonly: true });
    // By the unique (workspace_id, dedup_key) index ("mid:" + Message-ID): this check runs every
    // 2 ms on the event loop the push sync runs on, and a scan of the emails table each time (no
    // index has message_id since migration 003) was most of the process's CPU.
    const linkedStmt = reader.prepare(
      "SELECT 1 FROM emails WHERE workspace_id = ? AND dedup_key = ? AND message_id = ? AND outcome = 'linked'",
    );
    const linked = { get: (messageId: string) => linkedStmt.get(ws.id, `mid:${messageId}`, messageId) };
    const c = new ImapFlow({
      host: d.host,
      port: d.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'alice', pass: PASSWORD },
      logger: false,
      disableAutoIdle: true,
    });
    c.on('error', () => undefined);
    await c.connect();

    let busyDone = false;
    const busySync = busyConn
      ? syncAll({ db, ws, now: new Date(), actor: 'bench', connectors }, busyConn, { directory }).finally(() => (busyDone = true))
      : null;
    if (busySync) await new Promise((r) => setTimeout(r, 1_000)); // past its login and SELECT: into the fetch/store loop
    const out: PushSample[] = [];
    const n = busyUser ? CONFIG.busyAppends : CONFIG.appends;
    for (let i = 0; i < n && !busyDone; i++) {
      const every = Math.round(1 / CONFIG.linkedShare);
      const id = (Math.floor(CONFIG.messages / every) + 1 + i + (busyUser ? CONFIG.appends : 0)) * every; // a multiple: from an end user
      const before = announced.n;
      const t0 = performance.now();
      await c.append('INBOX', message(id, new Date()), [], new Date());
      while (!linked.get(`bench-${id}@mail.example`) || announced.n === before) {
        if (performance.now() - t0 > 60_000) throw new Error(`bench-${id} was not linked (or announced) within 60 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
      const totalMs = performance.now() - t0;
      if (busyUser && busyDone) break; // the other sync ended meanwhile: not measured under it
      out.push({ totalMs, serverMs: announced.at - t0 });
    }
    if (busyUser && out.length < n) log(`push while busy: only ${out.length} of ${n} appends before the other mailbox's sync ended`);
    await busySync;
    await c.logout();
    reader.close();
    ac.abort();
    await watching;
    return out;
  });
}

/** Connects another teammate's IMAP mailbox (never synced) to the store's workspace. */
async function connectMailbox(db: Store, wsId: string, d: Dovecot, user: string, now: Date): Promise<string> {
  const t = await addTeammate(db, wsId, { email: `${user}@ourco.com`, aliases: [] }, now);
  return createConnection(
    db,
    wsId,
    {
      teammateId: t.id,
      provider: 'imap',
      hasMail: true,
      hasCalendar: false,
      authorizedAt: AUTH,
      config: { host: d.host, port: d.port, security: 'plain', user, auth: 'password', folders: ['INBOX'], pageSize: 500 },
      secretEnc: connectors.secrets.encrypt(PASSWORD),
    },
    now,
  );
}

/** The target: our share of the p95 (what is left after the server's own notify delay). */
const PUSH_SHARE_MS = 100;

function pushSummary(xs: PushSample[]) {
  const r = (v: number) => Math.round(v);
  return {
    appends: xs.length,
    totalP50: r(
      pct(
        xs.map((x) => x.totalMs),
        50,
      ),
    ),
    totalP95: r(
      pct(
        xs.map((x) => x.totalMs),
        95,
      ),
    ),
    serverP95: r(
      pct(
        xs.map((x) => x.serverMs),
        95,
      ),
    ),
    shareP50: r(pct(shares(xs), 50)),
    shareP95: r(pct(shares(xs), 95)),
  };
}

function pushRow(id: string, what: string, xs: PushSample[]) {
  const p = pushSummary(xs);
  return absoluteRow({
    id,
    what: `${what}: our share of p95 (append → linked, less the server's EXISTS on the watcher's IDLE session)`,
    limit: `Dovecot's own notify delay, measured per append (p95 ${p.serverP95} ms)`,
    unit: 'ms',
    value: [p.shareP95],
    target: `≤ ${PUSH_SHARE_MS} ms`,
    met: (m) => m <= PUSH_SHARE_MS,
    note: `append → linked p50 ${p.totalP50} ms, p95 ${p.totalP95} ms; our share p50 ${p.shareP50} ms`,
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
