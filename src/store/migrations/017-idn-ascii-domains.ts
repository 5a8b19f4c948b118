// An internationalised domain is one domain in either spelling: addresses are normalised with
// the domain in its IDNA ASCII form (directory/address.ts, docs/decisions.md 2026-12-07), so
// "anna@bücher.example" is "anna@xn--bcher-kva.example". What the store kept in the earlier
// form, for an address whose domain is written in Unicode, is rewritten here:
//
// - directory keys: end_users.email_norm, suppressions.email_norm, teammate_addresses.address,
//   blocklist entries and the workspaces' internal domains. A key whose new form is already
//   stored (both spellings were entered) is dropped where the two rows mean the same (a
//   suppression, a teammate address, a blocklist entry); an end user is left as it is (two
//   end users of one account, as before; the directory matches both by their email field).
// - keyed hashes of linked mail (emails.participants keeps the plain addresses) and of every
//   meeting (meetings.data keeps its attendees): participant_hashes and emails.from_hash.
//
// Not-linked mail and tombstones kept no address: their hashes of a Unicode spelling cannot be
// recomputed. Find and re-decisions also look up that spelling's hash (store/context.ts
// addressHashes). Only rows holding a non-ASCII character are read (a GLOB / regex filter):
// ASCII addresses, nearly all of them, normalise as before.
import { createHmac } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialects/dialect.js';

export const description =
  "rewrites stored addresses on internationalised domains to the domain's ASCII (punycode) form: directory keys, internal domains, blocklist, linked mail's and meetings' participant hashes";

export async function up(db: Kysely<unknown>): Promise<void> {
  const nonAscii = nonAsciiFilter(db);
  await internalDomains(db);
  await blocklist(db, nonAscii);
  await teammateAddresses(db, nonAscii);
  await suppressions(db, nonAscii);
  await endUsers(db, nonAscii);
  await itemHashes(db, nonAscii);
}

/** `column holds a character outside ASCII`, as SQL (a code-point range: GLOB on SQLite, a regex on PostgreSQL). */
function nonAsciiFilter(db: Kysely<unknown>): (column: string) => ReturnType<typeof sql> {
  if (dialectOf(db) === 'sqlite') return (c) => sql`${sql.ref(c)} glob ${'*[^\u0001-\u007f]*'}`;
  return (c) => sql`${sql.ref(c)} ~ ${'[^\u0001-\u007f]'}`;
}

// The address forms of directory/address.ts, copied: a migration must not import app code that may change.

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

function asciiDomain(domain: string): string {
  if (isAscii(domain) || domain.includes('%')) return domain;
  const a = domainToASCII(domain);
  return a === '' ? domain : a;
}

/** normalizeAddress before this migration (the form the stored hashes and keys were made of). */
function previousForm(raw: string): string {
  let s = raw.normalize('NFC').trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  if (/^mailto:/i.test(s)) s = s.slice(7).trim();
  return s.toLowerCase().normalize('NFC');
}

/** An address in the previous form with its domain in ASCII form: normalizeAddress from this release on. */
function withAsciiDomain(previous: string): string {
  if (isAscii(previous)) return previous;
  const at = previous.lastIndexOf('@');
  if (at < 0) return previous;
  const domain = previous.slice(at + 1);
  const a = asciiDomain(domain);
  return a === domain ? previous : previous.slice(0, at + 1) + a;
}

async function internalDomains(db: Kysely<unknown>): Promise<void> {
  const rows = await sql<{ id: string; internal_domains: string }>`select id, internal_domains from workspaces`.execute(db);
  for (const r of rows.rows) {
    let list: unknown;
    try {
      list = JSON.parse(r.internal_domains);
    } catch {
      continue;
    }
    if (!Array.isArray(list) || list.every((d) => typeof d !== 'string' || isAscii(d))) continue;
    const next = [...new Set(list.map((d) => (typeof d === 'string' ? asciiDomain(d) : d)))];
    await sql`update workspaces set internal_domains = ${JSON.stringify(next)} where id = ${r.id}`.execute(db);
  }
}

type NonAscii = ReturnType<typeof nonAsciiFilter>;

/**
 * Rewrites `column` of `table`'s rows holding a non-ASCII character to `next` of the row; a row
 * whose rewritten key is stored already (both spellings were entered) is dropped, as the two
 * mean the same. `scope` names the columns that, with `column`, make the row's key; `also`,
 * other columns `next` reads.
 */
async function rekey(
  db: Kysely<unknown>,
  nonAscii: NonAscii,
  table: string,
  scope: string[],
  column: string,
  next: (row: Record<string, string>) => string,
  also: string[] = [],
): Promise<void> {
  const cols = [...scope, column, ...also];
  const rows = await sql<Record<string, string>>`select ${sql.join(cols.map((c) => sql.ref(c)))} from ${sql.table(table)}
    where ${nonAscii(column)}`.execute(db);
  for (const r of rows.rows) {
    const to = next(r);
    const from = r[column]!;
    if (to === from) continue;
    const key = sql.join(
      scope.map((c) => sql`${sql.ref(c)} = ${r[c]}`),
      sql` and `,
    );
    const taken = await sql`select 1 from ${sql.table(table)} where ${key} and ${sql.ref(column)} = ${to}`.execute(db);
    if (taken.rows.length > 0) await sql`delete from ${sql.table(table)} where ${key} and ${sql.ref(column)} = ${from}`.execute(db);
    else await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${to} where ${key} and ${sql.ref(column)} = ${from}`.execute(db);
  }
}

const blocklist = (db: Kysely<unknown>, nonAscii: NonAscii) =>
  rekey(
    db,
    nonAscii,
    'blocklist',
    ['workspace_id'],
    'entry',
    (r) => (r.kind === 'domain' ? asciiDomain(r.entry!) : withAsciiDomain(r.entry!)),
    ['kind'],
  );

const teammateAddresses = (db: Kysely<unknown>, nonAscii: NonAscii) =>
  rekey(db, nonAscii, 'teammate_addresses', ['workspace_id'], 'address', (r) => withAsciiDomain(r.address!));

const suppressions = (db: Kysely<unknown>, nonAscii: NonAscii) =>
  rekey(db, nonAscii, 'suppressions', ['workspace_id', 'source', 'account_id'], 'email_norm', (r) => withAsciiDomain(r.email_norm!));

async function endUsers(db: Kysely<unknown>, nonAscii: NonAscii): Promise<void> {
  const rows = await sql<{ id: string; workspace_id: string; account_id: string; email_norm: string }>`
    select id, workspace_id, account_id, email_norm from end_users where ${nonAscii('email_norm')}`.execute(db);
  for (const r of rows.rows) {
    const next = withAsciiDomain(r.email_norm);
    if (next === r.email_norm) continue;
    const taken = await sql`select 1 from end_users
      where workspace_id = ${r.workspace_id} and account_id = ${r.account_id} and email_norm = ${next}`.execute(db);
    if (taken.rows.length > 0) continue; // both spellings entered for one account: two end users, as before
    await sql`update end_users set email_norm = ${next} where id = ${r.id}`.execute(db);
  }
}

/** The addresses a stored email's participants or a meeting's occurrence hold (the hashed ones among them). */
function addressesOf(json: string, kind: 'email' | 'meeting'): string[] {
  type A = { address?: unknown } | null | undefined;
  const str = (a: A): string[] => (a && typeof a.address === 'string' ? [a.address] : []);
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    const list = (f: string) => (Array.isArray(v[f]) ? (v[f] as A[]).flatMap(str) : []);
    if (kind === 'meeting') return [...list('attendees'), ...str(v.organizer as A)];
    return [...list('from'), ...list('to'), ...list('cc'), ...list('bcc')];
  } catch {
    return []; // an unreadable row keeps its hashes
  }
}

async function itemHashes(db: Kysely<unknown>, nonAscii: NonAscii): Promise<void> {
  const keys = new Map<string, Buffer>();
  for (const w of (await sql<{ id: string; hash_key: string }>`select id, hash_key from workspaces`.execute(db)).rows)
    keys.set(w.id, Buffer.from(w.hash_key, 'base64'));
  const emails = await sql<{ id: string; workspace_id: string; participants: string; from_hash: string | null }>`
    select id, workspace_id, participants, from_hash from emails where participants is not null and ${nonAscii('participants')}`.execute(
    db,
  );
  for (const r of emails.rows) await rehash(db, keys.get(r.workspace_id), 'email', r.workspace_id, r.id, r.participants, r.from_hash);
  const meetings = await sql<{ id: string; workspace_id: string; data: string }>`
    select id, workspace_id, data from meetings where ${nonAscii('data')}`.execute(db);
  for (const r of meetings.rows) await rehash(db, keys.get(r.workspace_id), 'meeting', r.workspace_id, r.id, r.data, null);
}

/** Same HMAC as store/context.ts hashAddress. */
const hmac = (key: Buffer, normalized: string) => createHmac('sha256', key).update(normalized).digest('hex').slice(0, 32);

/**
 * One item's hashes of an address whose domain was written in Unicode: the previous form's
 * hash, where stored, becomes the new form's (one already there is kept once); the sender's too.
 */
async function rehash(
  db: Kysely<unknown>,
  key: Buffer | undefined,
  kind: 'email' | 'meeting',
  ws: string,
  id: string,
  json: string,
  fromHash: string | null,
): Promise<void> {
  if (!key) return;
  const addresses = addressesOf(json, kind);
  const changed = new Map<string, string>(); // previous hash → new hash
  for (const a of addresses) {
    if (isAscii(a)) continue;
    const previous = previousForm(a);
    const next = withAsciiDomain(previous);
    if (next !== previous) changed.set(hmac(key, previous), hmac(key, next));
  }
  if (changed.size === 0) return;
  const stored = new Set(
    (await sql<{ addr_hash: string }>`select addr_hash from participant_hashes where item_id = ${id}`.execute(db)).rows.map(
      (r) => r.addr_hash,
    ),
  );
  for (const [previous, next] of changed) {
    if (!stored.has(previous)) continue;
    await sql`delete from participant_hashes where item_id = ${id} and addr_hash = ${previous}`.execute(db);
    if (!stored.has(next)) {
      await sql`insert into participant_hashes (workspace_id, kind, item_id, addr_hash) values (${ws}, ${kind}, ${id}, ${next})`.execute(
        db,
      );
      stored.add(next);
    }
  }
  const sender = fromHash === null ? undefined : changed.get(fromHash);
  if (sender !== undefined) await sql`update emails set from_hash = ${sender} where id = ${id}`.execute(db);
}
