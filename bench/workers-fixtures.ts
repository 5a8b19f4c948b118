// Data for bench/workers.bench.ts: a directory, parsed emails for the store benchmark, and
// folder mailboxes for the worker benchmark. Deterministic (seeded), so every run is alike.
import type { MailSighting } from '../src/providers/types.js';
import type { Store } from '../src/store/db.js';
import { addAccount, addTeammate } from '../src/store/directory.js';
import { createWorkspace, type WorkspaceRecord } from '../src/store/workspaces.js';
import type { TestMail } from '../test/support/mailbox.js';

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

/** Folder mailbox `i` for the worker benchmark: `n` files, 30% from end users. */
export function mailboxFiles(i: number, n: number): TestMail[] {
  const rand = prng(1000 + i);
  const mails: TestMail[] = [];
  for (let k = 0; k < n; k++) {
    const from =
      rand() < 0.3
        ? endUserAddress(Math.floor(rand() * ACCOUNTS), Math.floor(rand() * USERS_PER_ACCOUNT))
        : `person${k}@elsewhere${k % 97}.example`;
    mails.push({ id: `w-${i}-${k}@mail.example`, from, to: `csm${i}@ourco.com`, subject: `Mail ${k} for mailbox ${i}` });
  }
  return mails;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
