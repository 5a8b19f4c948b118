// What bench:imap's passes share (imap.bench.ts: the initial sync; imap-push.ts: new mail with
// IDLE): the knobs, the message builder, the store and the way a sync reaches Dovecot.
import { ImapFlow } from 'imapflow';
import type { Dovecot } from '../scripts/services/dovecot.js';
import { loadConfig } from '../src/config/index.js';
import { createSecrets } from '../src/secrets/secrets.js';
import { createConnection } from '../src/store/connections.js';
import type { Store } from '../src/store/db.js';
import { openSqlite } from '../src/store/dialects/sqlite.js';
import { addTeammate } from '../src/store/directory.js';
import { directoryCache } from '../src/store/directory-version.js';
import { QUICK } from './report.js';

const int = (name: string, dflt: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : dflt);
export const CONFIG = {
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
export const AUTH = new Date('2026-01-01T00:00:00Z');
export const PASSWORD = 'bench-password';
process.env.TOUCHPOINT_SECRET_KEY ??= 'touchpoint-benchmark-secret-key-0123456789';
// Dovecot listens on loopback, which the outbound policy refuses unless an operator allows it.
process.env.TOUCHPOINT_OUTBOUND_ALLOW ??= '127.0.0.1/32';

export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
export const log = (s: string) => process.stderr.write(`${s}\n`);
const config = loadConfig({ env: process.env });
/** What a sync needs to reach the server: the key that decrypts the stored password. */
export const connectors = { secrets: createSecrets(config.secretKey), settings: config };

/** A ~7 KB message with a realistic header block (Received chain, DKIM, list headers). */
export function message(i: number, at: Date, tag = ''): string {
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

export async function withStore<T>(path: string, fn: (db: Store) => Promise<T>): Promise<T> {
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
export const directory = directoryCache(1);

/** Connects another teammate's IMAP mailbox (never synced) to the store's workspace. */
export async function connectMailbox(db: Store, wsId: string, d: Dovecot, user: string, now: Date): Promise<string> {
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

/** A plain imapflow client for alice's mailbox (the protocol limit, the appends), idling only when told. */
export function aliceClient(d: Dovecot): ImapFlow {
  return new ImapFlow({
    host: d.host,
    port: d.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'alice', pass: PASSWORD },
    logger: false,
    disableAutoIdle: true,
  });
}
