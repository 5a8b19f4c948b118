// Directory queries: teammates, accounts, end users, blocklist, suppressions.
// Every query is scoped to its workspace.
import { randomUUID } from 'node:crypto';
import type { Account, BlocklistEntry, EndUser, Teammate } from '../domain/directory.js';
import { normalizeAddress } from '../directory/address.js';
import type { DirectoryInput } from '../directory/index.js';
import type { Store } from './db.js';
import { containsText } from './like.js';
import { reusableQuery } from './reusable-query.js';
import type { EndUsersTable } from './schema.js';
import { addressesFromColumn, teammateAddressesColumn } from './teammate-addresses.js';

export async function addTeammate(
  db: Store,
  ws: string,
  t: { email: string; aliases: string[]; name?: string },
  now: Date,
): Promise<Teammate> {
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('teammates')
      .values({ id, workspace_id: ws, email: t.email, name: t.name ?? null, created_at: now.toISOString() })
      .execute();
    const addrs = [...new Set([t.email, ...t.aliases].map(normalizeAddress))];
    for (const address of addrs) {
      await trx.insertInto('teammate_addresses').values({ workspace_id: ws, address, teammate_id: id }).execute();
    }
  });
  return { id, email: t.email, aliases: t.aliases, ...(t.name ? { name: t.name } : {}) };
}

// One statement, built once per store: the addresses ride along as a column (a second read
// cost search a statement), and search and explain read the teammates on every call.
const teammatesWithAddresses = reusableQuery((db, v: { ws: string }) =>
  db
    .selectFrom('teammates')
    .selectAll()
    .select(teammateAddressesColumn(db, 'teammates.workspace_id', 'teammates.id').as('addresses'))
    .where('workspace_id', '=', v.ws)
    .orderBy('created_at'),
);

export async function listTeammates(db: Store, ws: string): Promise<Teammate[]> {
  const rows = await teammatesWithAddresses(db, { ws });
  return rows.map((r) => {
    const primary = normalizeAddress(r.email);
    const t: Teammate = { id: r.id, email: r.email, aliases: addressesFromColumn(r.addresses).filter((a) => a !== primary) };
    if (r.name) t.name = r.name;
    return t;
  });
}

export async function teammateByAddress(db: Store, ws: string, address: string): Promise<Teammate | undefined> {
  const hit = await db
    .selectFrom('teammate_addresses')
    .select('teammate_id')
    .where('workspace_id', '=', ws)
    .where('address', '=', normalizeAddress(address))
    .executeTakeFirst();
  if (!hit) return undefined;
  return (await listTeammates(db, ws)).find((t) => t.id === hit.teammate_id);
}

export async function addAccount(db: Store, ws: string, a: Account, now: Date): Promise<void> {
  await db.insertInto('accounts').values({ workspace_id: ws, id: a.id, name: a.name, created_at: now.toISOString() }).execute();
}

// Built once per store: every timeline page reads its account (store/reusable-query.ts).
const accountById = reusableQuery((db, v: { ws: string; id: string }) =>
  db.selectFrom('accounts').select(['id', 'name']).where('workspace_id', '=', v.ws).where('id', '=', v.id),
);

export async function getAccount(db: Store, ws: string, id: string): Promise<Account | undefined> {
  return (await accountById(db, { ws, id }))[0];
}

export async function listAccounts(db: Store, ws: string): Promise<Account[]> {
  return db.selectFrom('accounts').select(['id', 'name']).where('workspace_id', '=', ws).orderBy('id').execute();
}

export function endUserFromRow(r: EndUsersTable): EndUser {
  const u: EndUser = { id: r.id, accountId: r.account_id, email: r.email, source: r.source };
  if (r.name) u.name = r.name;
  if (r.external_id) u.externalId = r.external_id;
  if (r.other_fields) u.otherFields = JSON.parse(r.other_fields) as string[];
  if (r.source_url) u.sourceUrl = r.source_url;
  if (r.source_synced_at) u.sourceSyncedAt = r.source_synced_at;
  return u;
}

export interface NewEndUser {
  accountId: string;
  email: string;
  name?: string | undefined;
  source: string;
  externalId?: string | undefined;
  /** Other addresses on the record (e.g. a CRM's secondary email); never matched, only hinted. */
  otherFields?: string[] | undefined;
}

export async function insertEndUser(db: Store, ws: string, u: NewEndUser, now: Date): Promise<EndUser> {
  const row: EndUsersTable = {
    id: randomUUID(),
    workspace_id: ws,
    account_id: u.accountId,
    email: u.email.trim(),
    email_norm: normalizeAddress(u.email),
    name: u.name ?? null,
    source: u.source,
    external_id: u.externalId ?? null,
    other_fields: u.otherFields?.length ? JSON.stringify(u.otherFields) : null,
    created_at: now.toISOString(),
  };
  await db.insertInto('end_users').values(row).execute();
  return endUserFromRow(row);
}

export async function findEndUser(db: Store, ws: string, accountId: string, email: string): Promise<EndUser | undefined> {
  const r = await db
    .selectFrom('end_users')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('account_id', '=', accountId)
    .where('email_norm', '=', normalizeAddress(email))
    .executeTakeFirst();
  return r ? endUserFromRow(r) : undefined;
}

export async function deleteEndUserRow(db: Store, ws: string, id: string): Promise<void> {
  await db.deleteFrom('end_users').where('workspace_id', '=', ws).where('id', '=', id).execute();
}

export async function listEndUsers(db: Store, ws: string, filter: { accountId?: string; emailLike?: string } = {}): Promise<EndUser[]> {
  let q = db.selectFrom('end_users').selectAll().where('workspace_id', '=', ws);
  if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
  if (filter.emailLike) q = q.where(containsText('email_norm', filter.emailLike));
  return (await q.orderBy('account_id').orderBy('email_norm').execute()).map(endUserFromRow);
}

export async function addBlocklistEntry(db: Store, ws: string, e: BlocklistEntry, now: Date): Promise<boolean> {
  const existing = await db
    .selectFrom('blocklist')
    .select('entry')
    .where('workspace_id', '=', ws)
    .where('entry', '=', e.entry)
    .executeTakeFirst();
  if (existing) return false;
  await db.insertInto('blocklist').values({ workspace_id: ws, entry: e.entry, kind: e.kind, created_at: now.toISOString() }).execute();
  return true;
}

export async function removeBlocklistEntry(db: Store, ws: string, entry: string): Promise<boolean> {
  const r = await db.deleteFrom('blocklist').where('workspace_id', '=', ws).where('entry', '=', entry).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function listBlocklist(db: Store, ws: string): Promise<BlocklistEntry[]> {
  return db.selectFrom('blocklist').select(['entry', 'kind']).where('workspace_id', '=', ws).orderBy('entry').execute();
}

export async function addSuppression(
  db: Store,
  ws: string,
  s: { source: string; accountId: string; email: string; externalId?: string | undefined },
  now: Date,
): Promise<void> {
  await db
    .insertInto('suppressions')
    .values({
      workspace_id: ws,
      source: s.source,
      account_id: s.accountId,
      email_norm: normalizeAddress(s.email),
      external_id: s.externalId ?? null,
      created_at: now.toISOString(),
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function isSuppressed(db: Store, ws: string, source: string, accountId: string, email: string): Promise<boolean> {
  const r = await db
    .selectFrom('suppressions')
    .select('source')
    .where('workspace_id', '=', ws)
    .where('source', '=', source)
    .where('account_id', '=', accountId)
    .where('email_norm', '=', normalizeAddress(email))
    .executeTakeFirst();
  return r !== undefined;
}

/** Everything the rules read, in one snapshot. */
export async function loadDirectory(db: Store, ws: string, internalDomains: string[]): Promise<DirectoryInput> {
  const [teammates, accounts, users, blocklist] = await Promise.all([
    listTeammates(db, ws),
    listAccounts(db, ws),
    db.selectFrom('end_users').selectAll().where('workspace_id', '=', ws).execute(),
    listBlocklist(db, ws),
  ]);
  return { internalDomains, teammates, accounts, endUsers: users.map(endUserFromRow), blocklist };
}

export async function renameAccount(db: Store, ws: string, id: string, name: string): Promise<void> {
  await db.updateTable('accounts').set({ name }).where('workspace_id', '=', ws).where('id', '=', id).execute();
}

/** The editable fields of an end user: its email field, name and external id. */
export async function updateEndUserRow(
  db: Store,
  ws: string,
  id: string,
  u: { email: string; name: string | null; externalId: string | null },
): Promise<void> {
  await db
    .updateTable('end_users')
    .set({ email: u.email.trim(), email_norm: normalizeAddress(u.email), name: u.name, external_id: u.externalId })
    .where('workspace_id', '=', ws)
    .where('id', '=', id)
    .execute();
}

/** Lifts a suppression (an undone "delete and suppress"): the source may create the end user again. */
export async function removeSuppression(db: Store, ws: string, s: { source: string; accountId: string; email: string }): Promise<void> {
  await db
    .deleteFrom('suppressions')
    .where('workspace_id', '=', ws)
    .where('source', '=', s.source)
    .where('account_id', '=', s.accountId)
    .where('email_norm', '=', normalizeAddress(s.email))
    .execute();
}
