// Directory-change benchmark (not a test): a change that touches 10,000 past emails must
// re-decide them at once (SPEC: timelines always follow the current directory).
// A folder mailbox holds 10,000 emails from one end user plus 10,000 from strangers, synced
// into SQLite. Then, timed, alternately:
//   (a) blocklist that end user's address → the 10,000 are re-decided from the stored
//       content and unlinked;
//   (b) remove it from the blocklist → the 10,000 are re-decided again and re-linked
//       (not-linked mail keeps no content, so each is re-read from its source, here the folder).
//
//   npm run bench:redecide             BENCH_EMAILS=10000 BENCH_RUNS=3
//
// The limit, measured in the same run before each pair: decide + store of as many fresh
// emails (bench/store-run.ts, the page-by-page path of a sync) into a fresh store.
// Target: each change ≤ 0.3× that limit. Results go to bench/results/redecide.json.
//
// BENCH_SOURCE=imap: the same mail in one Dovecot mailbox (INBOX, written as a Maildir), so the
// re-link re-reads it over IMAP; printed only, no JSON written (the table's figure is the folder's).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { addToBlocklist, removeFromBlocklist } from '../src/app/directory-changes.js';
import { createConnection } from '../src/store/connections.js';
import { openStore } from '../src/store/open.js';
import type { Ctx } from '../src/store/context.js';
import { syncAll } from '../src/sync/run-sync.js';
import { createTestDatabase, type Dialect } from '../test/support/databases.js';
import { emlText, writeMailbox, type TestMail } from '../test/support/mailbox.js';
import { type Dovecot, startDovecot } from '../scripts/services/dovecot.js';
import { loadConfig } from '../src/config/index.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { profiled } from './profile.js';
import { QUICK, ratioRow, saveResults } from './report.js';
import { decideAndStore } from './store-run.js';
import { endUserAddress, seedDirectory } from './workers-fixtures.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
const CONFIG = { emails: int('BENCH_EMAILS', 10_000), others: int('BENCH_OTHERS', 10_000), runs: int('BENCH_RUNS', QUICK ? 1 : 3) };
const NOW = new Date('2026-03-20T12:00:00Z');
const AUTH = new Date('2026-01-01T00:00:00Z');
const CUSTOMER = endUserAddress(7, 3);
// BENCH_PROFILE=dir: a CPU profile of each timed change alone (the sync before them left out),
// written to dir/redecide-{unlink,relink}-<run>.cpuprofile (bench/profile.ts).

// BENCH_DIALECT=postgres: the same on PostgreSQL (the table's figures are SQLite's).
const IMAP = process.env.BENCH_SOURCE === 'imap';
process.env.TOUCHPOINT_SECRET_KEY ??= 'touchpoint-benchmark-secret-key-0123456789';
process.env.TOUCHPOINT_OUTBOUND_ALLOW ??= '127.0.0.1/32';
const settings = loadConfig({ env: process.env });
const connectors = { secrets: createSecrets(settings.secretKey), settings };
let dovecot: Dovecot | null = null;
const dialect = (process.env.BENCH_DIALECT ?? 'sqlite') as Dialect;
const work = mkdtempSync(join(tmpdir(), 'tp-bench-redecide-'));
const database = await createTestDatabase(dialect, 'bench-redecide');
const db = await openStore(database.location);
try {
  const mails: TestMail[] = [];
  for (let i = 0; i < CONFIG.emails; i++)
    mails.push({
      id: `c${i}@mail.example`,
      from: CUSTOMER,
      to: 'csm0@ourco.com',
      date: new Date(Date.UTC(2026, 1, 1) + i * 60_000).toUTCString(),
    });
  for (let i = 0; i < CONFIG.others; i++)
    mails.push({
      id: `o${i}@mail.example`,
      from: `person${i}@elsewhere${i % 97}.example`,
      to: 'csm0@ourco.com',
      date: new Date(Date.UTC(2026, 1, 1) + i * 60_000).toUTCString(),
    });
  const { ws, teammateIds } = await seedDirectory(db, 1, NOW);
  let source: { provider: 'folder' | 'imap'; config: Record<string, unknown>; secretEnc?: string } = {
    provider: 'folder',
    config: { mail: join(work, 'mail') },
  };
  if (IMAP) {
    dovecot = await startDovecot({ users: { bench: 'pw-bench' } });
    dovecot.writeMaildir(
      'bench',
      mails.map((m) => ({ raw: emlText(m), at: new Date(m.date!) })),
    );
    const config = {
      host: dovecot.host,
      port: dovecot.port,
      security: 'plain',
      user: 'bench',
      auth: 'password',
      folders: ['INBOX'],
      pageSize: 500,
    };
    source = { provider: 'imap', config, secretEnc: connectors.secrets.encrypt('pw-bench') };
  } else writeMailbox(join(work, 'mail'), mails);
  await createConnection(db, ws.id, { teammateId: teammateIds[0]!, ...source, hasMail: true, hasCalendar: false, authorizedAt: AUTH }, NOW);
  const ctx: Ctx = { db, ws, now: NOW, actor: 'bench', connectors };
  const t0 = performance.now();
  const [sync] = await syncAll(ctx);
  console.log(`synced ${sync?.mail.seen} emails (${sync?.mail.linked} linked) in ${Math.round(performance.now() - t0)} ms`);
  if (sync?.mail.linked !== CONFIG.emails)
    throw new Error(`expected ${CONFIG.emails} linked, got ${sync?.mail.linked} (${sync?.failure ?? ''})`);

  const unlink: number[] = [];
  const relink: number[] = [];
  const fresh: number[] = [];
  // CPU time of each (all threads), in the detailed JSON: on a loaded machine wall time waits for a core.
  const cpu = { unlink: [] as number[], relink: [] as number[], fresh: [] as number[] };
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  for (let r = 0; r < CONFIG.runs; r++) {
    const limitDb = await createTestDatabase(dialect, 'bench-redecide-limit');
    try {
      const f = await decideAndStore(limitDb.location, { emails: CONFIG.emails, pageSize: 500 });
      fresh.push(f.ms);
      cpu.fresh.push(f.cpuMs);
    } finally {
      await limitDb.drop();
    }
    let t = performance.now();
    let c = process.cpuUsage();
    const a = await profiled(`redecide-unlink-${r + 1}`, () => addToBlocklist(ctx, CUSTOMER));
    unlink.push(performance.now() - t);
    cpu.unlink.push(cpuMs(process.cpuUsage(c)));
    t = performance.now();
    c = process.cpuUsage();
    const b = await profiled(`redecide-relink-${r + 1}`, () => removeFromBlocklist(ctx, CUSTOMER));
    relink.push(performance.now() - t);
    cpu.relink.push(cpuMs(process.cpuUsage(c)));
    if (a.unlinked.length !== CONFIG.emails || b.linked.length !== CONFIG.emails)
      throw new Error(`unlinked ${a.unlinked.length}, re-linked ${b.linked.length}, expected ${CONFIG.emails} each`);
    console.log(
      `run ${r + 1}: decide + store ${CONFIG.emails} fresh in ${Math.round(fresh[r]!)} ms; blocklist → ${a.unlinked.length} unlinked in ` +
        `${Math.round(unlink[r]!)} ms; unblock → ${b.linked.length} re-linked in ${Math.round(relink[r]!)} ms; load ${loadavg()[0]!.toFixed(1)}; ` +
        `CPU ms fresh/unlink/relink ${Math.round(cpu.fresh[r]!)}/${Math.round(cpu.unlink[r]!)}/${Math.round(cpu.relink[r]!)}`,
    );
  }
  const n = CONFIG.emails.toLocaleString('en-US');
  if (!IMAP)
    saveResults(
      'redecide',
      [
        ratioRow({
          id: 'redecide.unlink',
          what:
            `directory change touching ${n} past emails (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}): blocklist an end user ` +
            `(re-decided from the store, unlinked)`,
          limit: `decide + store ${n} fresh emails (pages of 500)`,
          unit: 'ms',
          value: unlink,
          limitRuns: fresh,
          kind: 'time',
          maxRatio: 0.3,
        }),
        ratioRow({
          id: 'redecide.relink',
          what: `the same change undone: ${n} emails re-read from their source (folder), re-decided, re-linked`,
          limit: `decide + store ${n} fresh emails (pages of 500)`,
          unit: 'ms',
          value: relink,
          limitRuns: fresh,
          kind: 'time',
          maxRatio: 0.3,
        }),
      ],
      { config: CONFIG, runs: { unlinkMs: unlink, relinkMs: relink, freshMs: fresh, cpuMs: cpu } },
    );
} finally {
  await dovecot?.stop().catch(() => undefined); // a Maildir still being written to may refuse the clean-up
  await db.destroy();
  await database.drop();
  rmSync(work, { recursive: true, force: true });
}
