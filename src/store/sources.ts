// Directory sources (migration 010): the source rows, which account each source company maps
// onto, and the end-user queries a source sync runs once per page (never once per record: an
// initial sync brings 10,000 contacts). Every query is scoped to its workspace.
import { randomUUID } from 'node:crypto';
import { normalizeAddress } from '../directory/address.js';
import type { Store } from './db.js';
import type { EndUsersTable, SourcesTable } from './schema.js';
import { chunksOf } from '../domain/chunks.js';
import { insertRows } from './bulk-insert.js';

export type SourceStatus = 'active' | 'throttled' | 'error' | 'needs_reauth';

export interface SyncCounts {
  added: number;
  updated: number;
  removed: number;
  skipped: number;
}

export interface SourceRecord {
  id: string;
  workspaceId: string;
  kind: string;
  settings: Record<string, unknown>;
  secretEnc: string;
  mapping: string;
  cursor: string | null;
  status: SourceStatus;
  statusReason: string | null;
  authorizedAt: string;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  nextSyncAt: string | null;
  counts: SyncCounts | null;
  lastReport: unknown;
  lastError: string | null;
  createdAt: string;
}

function fromRow(r: SourcesTable): SourceRecord {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    kind: r.kind,
    settings: JSON.parse(r.settings) as Record<string, unknown>,
    secretEnc: r.secret_enc,
    mapping: r.mapping,
    cursor: r.cursor,
    status: r.status as SourceStatus,
    statusReason: r.status_reason,
    authorizedAt: r.authorized_at,
    lastSyncAt: r.last_sync_at,
    lastSuccessAt: r.last_success_at,
    nextSyncAt: r.next_sync_at,
    counts: r.counts ? (JSON.parse(r.counts) as SyncCounts) : null,
    lastReport: r.last_report ? JSON.parse(r.last_report) : null,
    lastError: r.last_error,
    createdAt: r.created_at,
  };
}

export async function createSource(
  db: Store,
  ws: string,
  s: { kind: string; settings: Record<string, unknown>; secretEnc: string; mapping: string },
  now: Date,
): Promise<string> {
  const id = randomUUID();
  const at = now.toISOString();
  await db
    .insertInto('sources')
    .values({
      id,
      workspace_id: ws,
      kind: s.kind,
      settings: JSON.stringify(s.settings),
      secret_enc: s.secretEnc,
      mapping: s.mapping,
      cursor: null,
      status: 'active',
      status_reason: null,
      authorized_at: at,
      last_sync_at: null,
      last_success_at: null,
      next_sync_at: at,
      counts: null,
      last_report: null,
      last_error: null,
      created_at: at,
    })
    .execute();
  return id;
}

export async function listSources(db: Store, ws: string): Promise<SourceRecord[]> {
  return (await db.selectFrom('sources').selectAll().where('workspace_id', '=', ws).orderBy('created_at').execute()).map(fromRow);
}

export async function getSource(db: Store, ws: string, id: string): Promise<SourceRecord | undefined> {
  const r = await db.selectFrom('sources').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst();
  return r ? fromRow(r) : undefined;
}

export async function sourceOfKind(db: Store, ws: string, kind: string): Promise<SourceRecord | undefined> {
  const r = await db.selectFrom('sources').selectAll().where('workspace_id', '=', ws).where('kind', '=', kind).executeTakeFirst();
  return r ? fromRow(r) : undefined;
}

export type SourcePatch = Partial<{
  cursor: string | null;
  status: SourceStatus;
  statusReason: string | null;
  lastSyncAt: Date;
  lastSuccessAt: Date;
  nextSyncAt: Date | null;
  counts: SyncCounts;
  lastReport: unknown;
  lastError: string | null;
}>;

export async function updateSource(db: Store, ws: string, id: string, p: SourcePatch): Promise<void> {
  const set: Partial<SourcesTable> = {};
  if (p.cursor !== undefined) set.cursor = p.cursor;
  if (p.status !== undefined) set.status = p.status;
  if (p.statusReason !== undefined) set.status_reason = p.statusReason;
  if (p.lastSyncAt) set.last_sync_at = p.lastSyncAt.toISOString();
  if (p.lastSuccessAt) set.last_success_at = p.lastSuccessAt.toISOString();
  if (p.nextSyncAt !== undefined) set.next_sync_at = p.nextSyncAt?.toISOString() ?? null;
  if (p.counts) set.counts = JSON.stringify(p.counts);
  if (p.lastReport !== undefined) set.last_report = JSON.stringify(p.lastReport);
  if (p.lastError !== undefined) set.last_error = p.lastError;
  if (Object.keys(set).length) await db.updateTable('sources').set(set).where('workspace_id', '=', ws).where('id', '=', id).execute();
}

export async function deleteSourceRows(db: Store, ws: string, id: string): Promise<void> {
  await db.deleteFrom('source_companies').where('workspace_id', '=', ws).where('source_id', '=', id).execute();
  await db.deleteFrom('sources').where('workspace_id', '=', ws).where('id', '=', id).execute();
}

/** Sources due for a scheduled sync, across workspaces (the scheduler serves every tenant). */
export async function dueSources(db: Store, now: Date, limit = 1000): Promise<{ id: string; workspaceId: string }[]> {
  const rows = await db
    .selectFrom('sources')
    .select(['id', 'workspace_id'])
    .where('status', 'in', ['active', 'throttled', 'error'])
    .where((eb) => eb.or([eb('next_sync_at', 'is', null), eb('next_sync_at', '<=', now.toISOString())]))
    .orderBy('next_sync_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id }));
}

/** Puts off a source that was due at `dueBy` (a sync just queued for it) to `at`; a sync that
 * already ended has set its own next time, which is kept. */
export async function postponeDueSource(db: Store, ws: string, id: string, dueBy: Date, at: Date): Promise<void> {
  await db
    .updateTable('sources')
    .set({ next_sync_at: at.toISOString() })
    .where('workspace_id', '=', ws)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('next_sync_at', 'is', null), eb('next_sync_at', '<=', dueBy.toISOString())]))
    .execute();
}

/** Source company id → account id, for the companies named. */
export async function companyAccounts(db: Store, ws: string, sourceId: string, externalIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunksOf([...new Set(externalIds)])) {
    const rows = await db
      .selectFrom('source_companies')
      .select(['external_id', 'account_id'])
      .where('workspace_id', '=', ws)
      .where('source_id', '=', sourceId)
      .where('external_id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.external_id, r.account_id);
  }
  return out;
}

const COMPANY_LINK_COLUMNS = ['workspace_id', 'source_id', 'external_id', 'account_id', 'url', 'synced_at'] as const;
const COMPANY_LINK_UPSERT =
  'ON CONFLICT (workspace_id, source_id, external_id) DO UPDATE SET account_id = excluded.account_id, url = excluded.url, synced_at = excluded.synced_at';

/** Upserts which account each source company maps onto (a page of companies, through store/bulk-insert.ts). */
export async function linkCompanies(
  db: Store,
  ws: string,
  sourceId: string,
  links: { externalId: string; accountId: string; url: string | null }[],
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  // One company twice in a page: the last wins, as it did row by row (PostgreSQL refuses to
  // update one row twice in a statement, and the page is now one statement).
  const last = new Map(links.map((c) => [c.externalId, c]));
  const rows = [...last.values()].map((c) => [ws, sourceId, c.externalId, c.accountId, c.url, at]);
  await insertRows(db, 'source_companies', COMPANY_LINK_COLUMNS, rows, COMPANY_LINK_UPSERT);
}

/** New accounts, through store/bulk-insert.ts (Kysely's VALUES lists cost more than the insert). */
export async function insertAccounts(db: Store, ws: string, accounts: { id: string; name: string }[], now: Date): Promise<void> {
  const at = now.toISOString();
  await insertRows(
    db,
    'accounts',
    ['workspace_id', 'id', 'name', 'created_at'],
    accounts.map((a) => [ws, a.id, a.name, at]),
  );
}

export async function unlinkCompanies(db: Store, ws: string, sourceId: string, externalIds: string[]): Promise<void> {
  for (const part of chunksOf(externalIds)) {
    await db
      .deleteFrom('source_companies')
      .where('workspace_id', '=', ws)
      .where('source_id', '=', sourceId)
      .where('external_id', 'in', part)
      .execute();
  }
}

/** End users a source gave for these records (by the source's name and the record ids). */
export async function endUsersOfRecords(db: Store, ws: string, source: string, externalIds: string[]): Promise<EndUsersTable[]> {
  const out: EndUsersTable[] = [];
  for (const part of chunksOf([...new Set(externalIds)])) {
    out.push(
      ...(await db
        .selectFrom('end_users')
        .selectAll()
        .where('workspace_id', '=', ws)
        .where('source', '=', source)
        .where('external_id', 'in', part)
        .execute()),
    );
  }
  return out;
}

/** End users of any source at these addresses (a manual one is a conflict, never overwritten). */
export async function endUsersAtAddresses(db: Store, ws: string, addresses: string[]): Promise<EndUsersTable[]> {
  const out: EndUsersTable[] = [];
  for (const part of chunksOf([...new Set(addresses.map(normalizeAddress))])) {
    out.push(...(await db.selectFrom('end_users').selectAll().where('workspace_id', '=', ws).where('email_norm', 'in', part).execute()));
  }
  return out;
}

/** `account|address` pairs suppressed for this source among the addresses given. */
export async function suppressedPairs(db: Store, ws: string, source: string, addresses: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunksOf([...new Set(addresses.map(normalizeAddress))])) {
    const rows = await db
      .selectFrom('suppressions')
      .select(['account_id', 'email_norm'])
      .where('workspace_id', '=', ws)
      .where('source', '=', source)
      .where('email_norm', 'in', part)
      .execute();
    for (const r of rows) out.add(`${r.account_id}|${r.email_norm}`);
  }
  return out;
}

const END_USER_COLUMNS = [
  'id',
  'workspace_id',
  'account_id',
  'email',
  'email_norm',
  'name',
  'source',
  'external_id',
  'other_fields',
  'created_at',
  'source_url',
  'source_synced_at',
] as const;

/**
 * A page's new end users, through store/bulk-insert.ts (a prepared one-row statement on SQLite,
 * one unnest statement on PostgreSQL): building Kysely's multi-row VALUES list was the larger
 * part of an initial sync's own time (docs/benchmarks.md, "Directory source").
 */
export async function insertEndUserRows(db: Store, rows: EndUsersTable[]): Promise<void> {
  const values = rows.map((r) => END_USER_COLUMNS.map((c) => r[c] ?? null));
  await insertRows(db, 'end_users', END_USER_COLUMNS, values);
}

export async function markEndUsersSynced(db: Store, ws: string, ids: string[], now: Date): Promise<void> {
  for (const part of chunksOf(ids)) {
    await db
      .updateTable('end_users')
      .set({ source_synced_at: now.toISOString() })
      .where('workspace_id', '=', ws)
      .where('id', 'in', part)
      .execute();
  }
}

/** Which of these accounts some company of the source still maps onto. */
export async function accountsLinked(db: Store, ws: string, sourceId: string, accountIds: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunksOf([...new Set(accountIds)])) {
    const rows = await db
      .selectFrom('source_companies')
      .select('account_id')
      .where('workspace_id', '=', ws)
      .where('source_id', '=', sourceId)
      .where('account_id', 'in', part)
      .execute();
    for (const r of rows) out.add(r.account_id);
  }
  return out;
}

/** End users no longer followed by their source record (kept as they are; no sync changes them again). */
export async function detachEndUserRows(db: Store, ws: string, ids: string[]): Promise<void> {
  for (const part of chunksOf(ids)) {
    await db.updateTable('end_users').set({ external_id: null }).where('workspace_id', '=', ws).where('id', 'in', part).execute();
  }
}

export async function deleteEndUserRows(db: Store, ws: string, ids: string[]): Promise<void> {
  for (const part of chunksOf(ids)) await db.deleteFrom('end_users').where('workspace_id', '=', ws).where('id', 'in', part).execute();
}

export async function endUsersOfAccount(db: Store, ws: string, accountId: string): Promise<EndUsersTable[]> {
  return db.selectFrom('end_users').selectAll().where('workspace_id', '=', ws).where('account_id', '=', accountId).execute();
}

export async function deleteAccountRow(db: Store, ws: string, id: string): Promise<void> {
  await db.deleteFrom('accounts').where('workspace_id', '=', ws).where('id', '=', id).execute();
}

/** Whether the workspace has stored any email or meeting at all (one indexed row read). */
export async function hasAnyItem(db: Store, ws: string): Promise<boolean> {
  const r = await db.selectFrom('participant_hashes').select('item_id').where('workspace_id', '=', ws).limit(1).executeTakeFirst();
  return r !== undefined;
}
