// Data for bench/workers.bench.ts: a directory, parsed emails for the store benchmark, and
// folder mailboxes for the worker benchmark. Deterministic (seeded), so every run is alike.
import type { MailSighting } from '../src/providers/types.js';
import type { Store } from '../src/store/db.js';
import { addAccount, addTeammate } from '../src/store/directory.js';
import { createWorkspace, type WorkspaceRecord } from '../src/store/workspaces.js';

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ACCOUNTS = 1_000;
export const USERS_PER_ACCOUNT = 10;
export const endUserAddress = (a: number, u: number) => `user${u}@cust${a}.example`;

/** A workspace with ACCOUNTS accounts of USERS_PER_ACCOUNT end users each, and `teammates` CSMs. */
export async function seedDirectory(db: Store, teammates: number, now: Date): Promise<{ ws: WorkspaceRecord; teammateIds: string[] }> {
  const ws = await createWorkspace(db, 'bench', ['ourco.com'], now);
  for (let a = 0; a < ACCOUNTS; a++) await addAccount(db, ws.id, { id: `acct${a}`, name: `Customer ${a}` }, now);
  const rows = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    for (let u = 0; u < USERS_PER_ACCOUNT; u++) {
      const email = endUserAddress(a, u);
      rows.push({
        id: `eu-${a}-${u}`,
        workspace_id: ws.id,
        account_id: `acct${a}`,
        email,
        email_norm: email,
        name: null,
        source: 'manual',
        external_id: null,
        other_fields: null,
        created_at: now.toISOString(),
      });
    }
  }
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('end_users')
      .values(rows.slice(i, i + 500))
      .execute();
  const teammateIds = [];
  for (let t = 0; t < teammates; t++) teammateIds.push((await addTeammate(db, ws.id, { email: `csm${t}@ourco.com`, aliases: [] }, now)).id);
  return { ws, teammateIds };
}

/** Mail as a connector hands it over: 30% from an end user (linked), the rest from strangers. */
export function parsedMail(n: number, mailbox: number, seed: number): MailSighting[] {
  const rand = prng(seed);
  const out: MailSighting[] = [];
  const base = Date.parse('2026-02-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const fromCustomer = rand() < 0.3;
    const from = fromCustomer
      ? endUserAddress(Math.floor(rand() * ACCOUNTS), Math.floor(rand() * USERS_PER_ACCOUNT))
      : `person${Math.floor(rand() * 1e6)}@elsewhere${Math.floor(rand() * 1000)}.example`;
    const at = new Date(base + Math.floor(rand() * 40 * 86_400_000));
    out.push({
      ref: `INBOX/${mailbox}-${i}.eml`,
      folder: 'INBOX',
      item: {
        messageId: `bench-${mailbox}-${i}@mail.example`,
        fingerprint: `fp-${mailbox}-${i}`,
        sentAt: at,
        receivedAt: at,
        from: [{ address: from }],
        to: [{ address: `csm${mailbox}@ourco.com` }],
        cc: rand() < 0.2 ? [{ address: `colleague${i % 7}@ourco.com` }] : [],
        bcc: [],
        subject: `Subject ${i} about the renewal`,
        text: 'Hello, a short body of an ordinary business email.',
      },
    });
  }
  return out;
}

/**
 * Message `k` of IMAP mailbox `i` for the worker benchmark, as raw RFC 5322 (~3 KB: a
 * realistic header block and a short body): 30% from end users (linked, so the sync also
 * downloads the body), the rest from strangers.
 */
export function imapMessage(i: number, k: number, at: Date): string {
  const rand = prng(1000 + i * 100_003 + k);
  const from =
    rand() < 0.3
      ? endUserAddress(Math.floor(rand() * ACCOUNTS), Math.floor(rand() * USERS_PER_ACCOUNT))
      : `person${k}@elsewhere${k % 97}.example`;
  const headers = [
    `Received: from mx1.relay.example (mx1.relay.example [192.0.2.1])\r\n\tby mx.ourco.com with ESMTPS id ${i}x${k}; ${at.toUTCString()}`,
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=relay.example; s=s1;\r\n\tbh=${'A'.repeat(44)}=;\r\n\tb=${'B'.repeat(340)}`,
    `From: Sender ${k} <${from}>`,
    `To: CSM ${i} <csm${i}@ourco.com>`,
    `Subject: Mail ${k} for mailbox ${i}`,
    `Date: ${at.toUTCString()}`,
    `Message-ID: <w-${i}-${k}@mail.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  const line = 'Thanks for the update on the renewal; here are our notes from the quarterly review.\r\n';
  return `${headers.join('\r\n')}\r\n\r\n${line.repeat(24)}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
