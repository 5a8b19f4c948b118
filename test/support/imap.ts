// IMAP end-to-end helpers: a real Dovecot per test file (scripts/services/dovecot.ts), a
// plain imapflow client to put mail in it, and the CLI steps to connect a mailbox.
import { readdirSync, readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import { expect } from 'vitest';
import { startDovecot, type Dovecot, type DovecotOptions } from '../../scripts/services/dovecot.js';
import type { Workspace } from './cli.js';

export type { Dovecot };

/** A passphrase for secrets at rest in tests (≥ 32 characters). */
export const TEST_SECRET_KEY = 'touchpoint-test-secret-key-0123456789abcdef';

export function startMailServer(opts: DovecotOptions = {}): Promise<Dovecot> {
  return startDovecot(opts);
}

/** A logged-in imapflow client, as a mail client or an MTA would be. */
export async function mailClient(d: Dovecot, user: string, pass: string): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: d.host,
    port: d.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass },
    logger: false,
    disableAutoIdle: true,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

export interface Delivery {
  raw: string;
  /** INTERNALDATE: when the mailbox "received" it (E2 judges this). */
  at: Date | string;
  folder?: string;
}

/** APPEND each message (RFC 3501 §6.3.11) with its INTERNALDATE; returns their UIDs. */
export async function deliver(d: Dovecot, user: string, pass: string, msgs: Delivery[]): Promise<number[]> {
  const c = await mailClient(d, user, pass);
  try {
    const uids: number[] = [];
    for (const m of msgs) {
      const r = await c.append(m.folder ?? 'INBOX', m.raw, [], new Date(m.at));
      uids.push(r ? (r.uid ?? 0) : 0);
    }
    return uids;
  } finally {
    await c.logout();
  }
}

export interface ImapConnectSpec {
  teammate: string;
  user: string;
  /** Name of the environment variable holding the password (set it in the workspace's env first). */
  passwordEnv: string;
  authorizedAt: string;
  folders?: string;
  pageSize?: number;
}

/** `touchpoint connect imap …`; returns the new connection id. */
export async function connectImap(ws: Workspace, d: Dovecot, s: ImapConnectSpec): Promise<string> {
  const out = await ws.ok([
    'connect',
    'imap',
    '--teammate',
    s.teammate,
    '--host',
    d.host,
    '--port',
    String(d.port),
    '--plain',
    '--user',
    s.user,
    '--password-env',
    s.passwordEnv,
    '--authorized-at',
    s.authorizedAt,
    ...(s.folders ? ['--folders', s.folders] : []),
    ...(s.pageSize ? ['--page-size', String(s.pageSize)] : []),
  ]);
  const id = /connection (\S+)/.exec(out)?.[1];
  expect(id, out).toBeTruthy();
  return id!;
}

/** Polls `check` every `everyMs` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function writeMaildir(d: Dovecot, user: string, msgs: Delivery[]): void {
  d.writeMaildir(user, msgs);
}

/** Pids of the Dovecot processes serving IMAP sessions (children named "imap"), to freeze them. */
export function imapSessionPids(d: Dovecot): number[] {
  const master = d.pid();
  if (!master) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …"
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && m[1] === 'imap' && Number(m[2]) === master) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
