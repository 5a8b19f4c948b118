// Live lookup benchmark against a real Dovecot on this machine (not a test): a mailbox of
// 100,000 messages in 20 folders (INBOX + 19, written straight into the Maildir — APPEND
// would cost a round trip each — then indexed by Dovecot on a first full lookup), and
// `liveFind(...).emails({ from, since, until })` — a sender and one day, what a CSM remembers —
// timed end to end (login, LIST, EXAMINE + UID SEARCH in every folder, headers of the hits,
// the rules, the audit entry) over ≥ 20 lookups of senders and days that exist.
//
//   npm run bench:live-find              (100,000 messages, 30 lookups)
//   npm run bench:live-find -- --quick   (10,000 messages, 20 lookups)
//
// Target: p95 ≤ 2 s. Results go to bench/results/live-find.json and stdout.
import { chownSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ImapFlow } from 'imapflow';
import { loadavg } from 'node:os';
import { startDovecot } from '../scripts/services/dovecot.js';
import { liveFind } from '../src/app/live-find.js';
import { loadConfig } from '../src/config/index.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { createConnection } from '../src/store/connections.js';
import { addAccount, addTeammate, insertEndUser } from '../src/store/directory.js';
import { openStore } from '../src/store/open.js';
import { createWorkspace } from '../src/store/workspaces.js';
import { absoluteRow, saveResults } from './report.js';

const QUICK_RUN = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const MESSAGES = QUICK_RUN ? 10_000 : 100_000;
const FOLDERS = 20;
const LOOKUPS = QUICK_RUN ? 20 : 30;
const SENDERS = 1_000;
const DAYS = 365;
const FIRST_DAY = Date.UTC(2025, 2, 1);
const PASSWORD = 'bench-live-password';
const MAIL_UID = 65534; // nobody:nogroup, as scripts/services/dovecot.ts stores mail
const log = (s: string) => process.stderr.write(`${s}\n`);

const senderOf = (i: number) => `customer${(i * 7919) % SENDERS}@acme${i % 50}.example`;
const dateOf = (i: number) => new Date(FIRST_DAY + ((i * 104729) % DAYS) * 86_400_000 + (i % 86_400) * 1_000);
const folderOf = (i: number) => i % FOLDERS;
const folderName = (f: number) => (f === 0 ? 'INBOX' : `Customers/Account${String(f).padStart(2, '0')}`);

function raw(i: number): string {
  const at = dateOf(i);
  return [
    `Received: from mx1.relay.example by mx.ourco.com with ESMTPS id ${i}; ${at.toUTCString()}`,
    `From: Customer ${i % SENDERS} <${senderOf(i)}>`,
    'To: Alice <alice@ourco.com>',
    `Subject: Question ${i} about the renewal`,
    `Date: ${at.toUTCString()}`,
    `Message-ID: <bench-${i}@acme.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello Alice, this is message ${i}.`.repeat(8),
    '',
  ].join('\r\n');
}

/** Maildir++ (Dovecot's default layout with separator "/"): INBOX at the root, "A/B" in ".A.B". */
function writeFolders(root: string): void {
  const dirs = new Map<number, string>();
  for (let f = 0; f < FOLDERS; f++) {
    const base = f === 0 ? root : join(root, `.${folderName(f).replace(/\//g, '.')}`);
    for (const d of [base, join(base, 'cur'), join(base, 'new'), join(base, 'tmp')]) {
      mkdirSync(d, { recursive: true });
      chownSync(d, MAIL_UID, MAIL_UID);
    }
    if (f > 0) writeFileSync(join(base, 'maildirfolder'), '');
    dirs.set(f, join(base, 'cur'));
  }
  for (let i = 0; i < MESSAGES; i++) {
    const text = raw(i);
    const at = dateOf(i);
    const file = join(dirs.get(folderOf(i))!, `${Math.floor(at.getTime() / 1000)}.M${i}P1.bench,S=${Buffer.byteLength(text)}:2,`);
    writeFileSync(file, text);
    chownSync(file, MAIL_UID, MAIL_UID);
    utimesSync(file, at, at);
    if (i % 20_000 === 19_999) log(`  wrote ${i + 1} messages`);
  }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function main(): Promise<void> {
  const dovecot = await startDovecot({ users: { alice: PASSWORD } });
  const work = mkdtempSync(join(tmpdir(), 'tp-bench-live-'));
  try {
    log(`writing ${MESSAGES} messages into ${FOLDERS} folders …`);
    const t0 = performance.now();
    writeFolders(dovecot.maildir('alice'));
    log(`  ${Math.round(performance.now() - t0)} ms`);

    const config = loadConfig({
      env: { TOUCHPOINT_SECRET_KEY: 'touchpoint-benchmark-secret-key-0123456789', TOUCHPOINT_OUTBOUND_ALLOW: '127.0.0.1/32' },
    });
    const secrets = createSecrets(config.secretKey);
    const db = await openStore(join(work, 'tp.db'));
    const now = new Date('2026-03-01T12:00:00Z');
    const ws = await createWorkspace(db, 'bench', ['ourco.com'], now);
    const alice = await addTeammate(db, ws.id, { email: 'alice@ourco.com', aliases: [] }, now);
    await addAccount(db, ws.id, { id: 'acme', name: 'Acme' }, now);
    for (let s = 0; s < 200; s++) await insertEndUser(db, ws.id, { accountId: 'acme', email: senderOf(s), source: 'csv' }, now);
    await createConnection(
      db,
      ws.id,
      {
        teammateId: alice.id,
        provider: 'imap',
        config: { host: dovecot.host, port: dovecot.port, security: 'plain', user: 'alice', auth: 'password' },
        secretEnc: secrets.encrypt(PASSWORD),
        hasMail: true,
        hasCalendar: false,
        authorizedAt: new Date('2026-01-01T00:00:00Z'),
      },
      now,
    );
    const deps = { db, ws, now, actor: 'bench', connectors: { secrets, settings: config } };
    const find = liveFind(deps, { limiter: { take: () => ({ ok: true }) }, timeoutMs: 120_000 });

    // Dovecot builds each folder's index and caches the fields a search reads (From, the
    // received date) on first use, as a mail client's first session would: one lookup by
    // sender over the whole year, untimed.
    const ti = performance.now();
    await find.emails({
      from: senderOf(1),
      since: new Date(FIRST_DAY).toISOString(),
      until: new Date(FIRST_DAY + DAYS * 86_400_000).toISOString(),
    });
    log(`indexing (first lookup over ${MESSAGES} messages): ${Math.round(performance.now() - ti)} ms`);

    // The limit, same run, interleaved: the bare protocol work of one lookup with imapflow —
    // login, LIST, EXAMINE + UID SEARCH (same criteria) in each folder, one session, headers of the hits.
    const bare = async (from: string, day: Date) => {
      const c = new ImapFlow({
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        doSTARTTLS: false,
        auth: { user: 'alice', pass: PASSWORD },
        logger: false,
        disableAutoIdle: true,
      });
      await c.connect();
      for (const f of (await c.list()).filter((x) => !x.flags.has('\\Noselect') && !x.flags.has('\\NonExistent'))) {
        await c.mailboxOpen(f.path, { readOnly: true });
        const uids =
          (await c.search(
            { from, since: new Date(day.getTime() - 86_400_000), before: new Date(day.getTime() + 2 * 86_400_000) },
            { uid: true },
          )) || [];
        if (uids.length) await c.fetchAll(uids.join(','), { uid: true, internalDate: true, headers: true }, { uid: true });
      }
      await c.logout();
    };
    const times: number[] = [];
    const limits: number[] = [];
    let found = 0;
    for (let k = 0; k < LOOKUPS; k++) {
      const i = (k * 2_654_435_761) % MESSAGES;
      const day = new Date(dateOf(i).toISOString().slice(0, 10));
      const q = { from: senderOf(i), since: day.toISOString(), until: new Date(day.getTime() + 86_400_000).toISOString() };
      const tb = performance.now();
      await bare(q.from, day);
      limits.push(performance.now() - tb);
      const t = performance.now();
      const out = await find.emails(q);
      times.push(performance.now() - t);
      if (!out.some((c) => c.messageId === `bench-${i}@acme.example`)) throw new Error(`lookup ${k} did not find bench-${i}`);
      found += out.length;
    }
    const p50 = pct(times, 50);
    const p95 = pct(times, 95);
    const l50 = pct(limits, 50);
    const l95 = pct(limits, 95);
    log(`live lookup by sender + day, ${LOOKUPS} lookups: p50 ${Math.round(p50)} ms, p95 ${Math.round(p95)} ms (${found} candidates)`);
    log(
      `bare imapflow, same criteria, one session: p50 ${Math.round(l50)} ms, p95 ${Math.round(l95)} ms; load ${loadavg()[0]!.toFixed(1)}`,
    );
    const row = absoluteRow({
      id: 'live-find.imap',
      what: `live lookup by sender + day, Dovecot, ${MESSAGES.toLocaleString('en')} messages in ${FOLDERS} folders (p95 of ${LOOKUPS})`,
      unit: 'ms',
      value: [p95],
      target: '≤ 2,000 ms',
      met: (v) => v <= 2_000,
      limit: `bare imapflow, same SEARCH in each folder, one session: p95 ${Math.round(l95)} ms`,
      note: `p50 ${Math.round(p50)} ms; bare imapflow p50 ${Math.round(l50)} ms`,
    });
    saveResults('live-find', [row], { messages: MESSAGES, folders: FOLDERS, lookups: LOOKUPS, p50, p95, times, limits });
    await db.destroy();
  } finally {
    await dovecot.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  log(String(err?.stack ?? err));
  process.exit(1);
});
