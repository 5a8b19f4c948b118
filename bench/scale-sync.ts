// bench:scale's second figure: the peak RSS of `touchpoint sync` — the CLI as shipped, in its
// own process under /usr/bin/time — on the initial sync of an IMAP INBOX of 100,000 messages
// on a real Dovecot (written straight into the Maildir, as bench:live-find does: APPEND would
// cost a round trip each). Target ≤ 300 MB: the mailbox is streamed, never held whole.
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDovecot } from '../scripts/services/dovecot.js';
import { loadConfig } from '../src/config/index.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { createConnection } from '../src/store/connections.js';
import { addAccount, addTeammate, insertEndUser } from '../src/store/directory.js';
import { openStore } from '../src/store/open.js';
import { createWorkspace } from '../src/store/workspaces.js';
import { absoluteRow, BENCH_DIR, type BenchRow } from './report.js';

const PASSWORD = 'bench-scale-password';
const SECRET_KEY = 'touchpoint-benchmark-secret-key-0123456789';
const MAIL_UID = 65534; // nobody:nogroup, as scripts/services/dovecot.ts stores mail
const SENDERS = 1_000;
const FIRST_DAY = Date.UTC(2025, 3, 1);
const log = (s: string) => process.stderr.write(`${s}\n`);

const senderOf = (i: number) => `customer${(i * 7919) % SENDERS}@acme${i % 50}.example`;

/** ~2 KB, a third of it from end users (linked: downloaded whole), the rest from strangers. */
function raw(i: number, at: Date): string {
  const from = i % 3 === 0 ? senderOf(i) : `stranger${i}@elsewhere${i % 97}.example`;
  return [
    `From: Sender ${i} <${from}>`,
    'To: Alice <alice@ourco.com>',
    `Subject: Question ${i} about the renewal`,
    `Date: ${at.toUTCString()}`,
    `Message-ID: <scale-${i}@acme.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello Alice, this is message ${i}; the notes of our quarterly review follow.\r\n`.repeat(24),
  ].join('\r\n');
}

function writeInbox(root: string, messages: number): void {
  for (const d of [root, join(root, 'cur'), join(root, 'new'), join(root, 'tmp')]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, MAIL_UID, MAIL_UID);
  }
  for (let i = 0; i < messages; i++) {
    const at = new Date(FIRST_DAY + i * 60_000);
    const text = raw(i, at);
    const file = join(root, 'cur', `${Math.floor(at.getTime() / 1000)}.M${i}P1.scale,S=${Buffer.byteLength(text)}:2,`);
    writeFileSync(file, text);
    chownSync(file, MAIL_UID, MAIL_UID);
    utimesSync(file, at, at);
  }
}

/** Peak RSS (MB) of `touchpoint sync` of a `messages`-message INBOX, as a bench row. */
export async function syncPeakRss(messages: number): Promise<BenchRow> {
  const dovecot = await startDovecot({ users: { alice: PASSWORD } });
  const work = mkdtempSync(join(tmpdir(), 'tp-bench-scale-sync-'));
  try {
    log(`sync: writing ${messages.toLocaleString('en-US')} messages into Dovecot's Maildir …`);
    writeInbox(dovecot.maildir('alice'), messages);
    const file = join(work, 'tp.db');
    const db = await openStore(file);
    const now = new Date('2026-03-01T12:00:00Z');
    const ws = await createWorkspace(db, 'bench', ['ourco.com'], now);
    const alice = await addTeammate(db, ws.id, { email: 'alice@ourco.com', aliases: [] }, now);
    for (let a = 0; a < 50; a++) await addAccount(db, ws.id, { id: `acme${a}`, name: `Acme ${a}` }, now);
    for (let s = 0; s < SENDERS; s++)
      await insertEndUser(db, ws.id, { accountId: `acme${s % 50}`, email: senderOf(s), source: 'csv' }, now);
    const secrets = createSecrets(loadConfig({ env: { TOUCHPOINT_SECRET_KEY: SECRET_KEY } }).secretKey);
    await createConnection(
      db,
      ws.id,
      {
        teammateId: alice.id,
        provider: 'imap',
        config: { host: dovecot.host, port: dovecot.port, security: 'plain', user: 'alice', auth: 'password', folders: ['INBOX'] },
        secretEnc: secrets.encrypt(PASSWORD),
        hasMail: true,
        hasCalendar: false,
        authorizedAt: new Date('2025-01-01T00:00:00Z'),
      },
      now,
    );
    await db.destroy();

    log('sync: touchpoint sync (its own process, under /usr/bin/time) …');
    const t0 = performance.now();
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'maxrss-kb=%M',
        process.execPath,
        join(BENCH_DIR, '..', 'bin', 'touchpoint'),
        '--db',
        file,
        '--now',
        now.toISOString(),
        'sync',
        '--json',
      ],
      {
        env: { ...process.env, TOUCHPOINT_SECRET_KEY: SECRET_KEY, TOUCHPOINT_OUTBOUND_ALLOW: '127.0.0.1/32' },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    const kb = Number(/maxrss-kb=(\d+)/.exec(r.stderr)?.[1]);
    if (r.status !== 0 || !kb) throw new Error(`touchpoint sync failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const report = (JSON.parse(r.stdout) as { connections: { mail: { seen: number; linked: number } }[] }).connections[0]!;
    if (report.mail.seen !== messages) throw new Error(`sync saw ${report.mail.seen} of ${messages}`);
    const mb = kb / 1024;
    log(`sync: ${messages} seen, ${report.mail.linked} linked in ${seconds.toFixed(0)} s; peak RSS ${mb.toFixed(0)} MB`);
    return absoluteRow({
      id: 'scale.sync-rss',
      what: `peak RSS of \`touchpoint sync\`: initial sync of an IMAP INBOX of ${messages.toLocaleString('en-US')} messages on Dovecot (SQLite)`,
      unit: 'MB',
      value: [Math.round(mb)],
      target: '≤ 300 MB',
      met: (v) => v <= 300,
      note: `${report.mail.linked} linked; ${seconds.toFixed(0)} s`,
    });
  } finally {
    await dovecot.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
