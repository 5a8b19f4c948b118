// Connections, their cursors (saved only after a page is stored) and per-item errors.
import { randomUUID } from 'node:crypto';
import type { ConnectionStatus, ConnectionView, Provider, SyncProgress } from '../domain/connection.js';
import { normalizeAddress } from '../directory/address.js';
import type { Store } from './db.js';
import type { ConnectionsTable } from './schema.js';
import { addressesFromColumn, teammateAddressesColumn } from './teammate-addresses.js';
import { CompiledQuery, sql } from 'kysely';
import { dialectOf } from './dialects/dialect.js';
import { chunksOf } from '../domain/chunks.js';
import { reusableQuery } from './reusable-query.js';

export interface ConnectionRecord extends ConnectionView {
  workspaceId: string;
  config: Record<string, unknown>;
  secretEnc: string | null;
  hasMail: boolean;
  hasCalendar: boolean;
  lastSyncAt: Date | null;
  lastError: string | null;
  progress: SyncProgress | null;
}

const d = (s: string | null): Date | null => (s ? new Date(s) : null);

function fromRow(r: ConnectionsTable, ownerAddresses: string[]): ConnectionRecord {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    provider: r.provider as Provider,
    teammateId: r.teammate_id,
    ownerAddresses,
    status: r.status as ConnectionStatus,
    statusReason: r.status_reason,
    authorizedAt: new Date(r.authorized_at),
    lastSuccessAt: d(r.last_success_at),
    nextSyncAt: d(r.next_sync_at),
    lastSyncAt: d(r.last_sync_at),
    lastError: r.last_error,
    config: JSON.parse(r.config) as Record<string, unknown>,
    secretEnc: r.secret_enc,
    hasMail: r.has_mail === 1,
    hasCalendar: r.has_calendar === 1,
    progress: r.progress ? (JSON.parse(r.progress) as SyncProgress) : null,
  };
}

export interface NewConnection {
  teammateId: string;
  provider: Provider;
  config: Record<string, unknown>;
  secretEnc?: string | null;
  hasMail: boolean;
  hasCalendar: boolean;
  authorizedAt: Date;
}

export async function createConnection(db: Store, ws: string, c: NewConnection, now: Date): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('connections')
    .values({
      id,
      workspace_id: ws,
      teammate_id: c.teammateId,
      provider: c.provider,
      config: JSON.stringify(c.config),
      secret_enc: c.secretEnc ?? null,
      has_mail: c.hasMail ? 1 : 0,
      has_calendar: c.hasCalendar ? 1 : 0,
      status: 'active',
      status_reason: null,
      authorized_at: c.authorizedAt.toISOString(),
      last_sync_at: null,
      last_success_at: null,
      next_sync_at: now.toISOString(),
      last_error: null,
      progress: null,
      created_at: now.toISOString(),
    })
    .execute();
  return id;
}

// Built once per store (store/reusable-query.ts): explain lists the connections on every call.
const connectionsOf = reusableQuery((db, v: { ws: string }) => withOwnerColumns(db).where('workspace_id', '=', v.ws).orderBy('created_at'));

export async function listConnections(db: Store, ws: string): Promise<ConnectionRecord[]> {
  return (await connectionsOf(db, { ws })).map(withOwners);
}

/** One connection, reading only its own row and its teammate's addresses (a sync of one must not read them all). */
export async function getConnection(db: Store, ws: string, id: string): Promise<ConnectionRecord | undefined> {
  const row = await withOwnerColumns(db).where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst();
  return row ? withOwners(row) : undefined;
}

/**
 * Connection rows with their teammate's primary address and other addresses as two more
 * columns (correlated subqueries, indexed: O(rows)): one statement, where reading teammates
 * and their addresses apart took three (a third of an explain's time, bench:scale).
 */
function withOwnerColumns(db: Store) {
  return db
    .selectFrom('connections')
    .selectAll('connections')
    .select([
      sql<
        string | null
      >`(select t.email from teammates t where t.id = connections.teammate_id and t.workspace_id = connections.workspace_id)`.as(
        'owner_email',
      ),
      teammateAddressesColumn(db, 'connections.workspace_id', 'connections.teammate_id').as('owner_addresses'),
    ]);
}

/** The owner addresses of a connection: its teammate's email first, then their other addresses. */
function withOwners(r: ConnectionsTable & { owner_email: string | null; owner_addresses: unknown }): ConnectionRecord {
  const { owner_email, owner_addresses, ...row } = r;
  const owner = [owner_email === null ? '' : normalizeAddress(owner_email), ...addressesFromColumn(owner_addresses)];
  return fromRow(row, [...new Set(owner.filter(Boolean))]);
}

export interface ConnectionPatch {
  status?: ConnectionStatus;
  statusReason?: string | null;
  lastSyncAt?: Date;
  lastSuccessAt?: Date;
  nextSyncAt?: Date | null;
  lastError?: string | null;
  progress?: SyncProgress | null;
  /** New credentials (re-authorization); authorized_at is never patched (rule E2, not historic). */
  secretEnc?: string | null;
  /** The whole connector configuration, replaced (e.g. push channel state kept with it). */
  config?: Record<string, unknown>;
}

/** unlessDisconnected: leave a connection alone that was disconnected meanwhile (a sync ending after Disconnect). */
export async function updateConnection(
  db: Store,
  ws: string,
  id: string,
  p: ConnectionPatch,
  opts: { unlessDisconnected?: boolean } = {},
): Promise<void> {
  const set: Partial<ConnectionsTable> = {};
  if (p.status !== undefined) set.status = p.status;
  if (p.statusReason !== undefined) set.status_reason = p.statusReason;
  if (p.lastSyncAt) set.last_sync_at = p.lastSyncAt.toISOString();
  if (p.lastSuccessAt) set.last_success_at = p.lastSuccessAt.toISOString();
  if (p.nextSyncAt !== undefined) set.next_sync_at = p.nextSyncAt ? p.nextSyncAt.toISOString() : null;
  if (p.lastError !== undefined) set.last_error = p.lastError;
  if (p.progress !== undefined) set.progress = p.progress ? JSON.stringify(p.progress) : null;
  if (p.secretEnc !== undefined) set.secret_enc = p.secretEnc;
  if (p.config !== undefined) set.config = JSON.stringify(p.config);
  if (!Object.keys(set).length) return;
  let q = db.updateTable('connections').set(set).where('workspace_id', '=', ws).where('id', '=', id);
  if (opts.unlessDisconnected) q = q.where('status', '!=', 'disconnected');
  await q.execute();
}

export async function getCursor(db: Store, connectionId: string, stream: 'mail' | 'calendar'): Promise<unknown> {
  const r = await db
    .selectFrom('cursors')
    .select('value')
    .where('connection_id', '=', connectionId)
    .where('stream', '=', stream)
    .executeTakeFirst();
  return r ? (JSON.parse(r.value) as unknown) : null;
}

export async function saveCursor(db: Store, connectionId: string, stream: 'mail' | 'calendar', value: unknown, now: Date): Promise<void> {
  const v = JSON.stringify(value);
  await db
    .insertInto('cursors')
    .values({ connection_id: connectionId, stream, value: v, updated_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['connection_id', 'stream']).doUpdateSet({ value: v, updated_at: now.toISOString() }))
    .execute();
}

export async function recordItemError(
  db: Store,
  ws: string,
  connectionId: string,
  where: string,
  reason: string,
  now: Date,
): Promise<void> {
  const t = now.toISOString();
  await db
    .insertInto('item_errors')
    .values({ workspace_id: ws, connection_id: connectionId, where_ref: where, reason, first_seen_at: t, last_seen_at: t })
    .onConflict((oc) => oc.columns(['connection_id', 'where_ref']).doUpdateSet({ reason, last_seen_at: t }))
    .execute();
}

export async function clearItemError(db: Store, connectionId: string, where: string): Promise<void> {
  await db.deleteFrom('item_errors').where('connection_id', '=', connectionId).where('where_ref', '=', where).execute();
}

/** PostgreSQL: one array parameter, not an IN list of 500 (as storedEmailKeys). */
const CLEAR_ITEM_ERRORS_PG = `DELETE FROM item_errors WHERE connection_id = $1 AND where_ref = ANY($2::text[])`;

/** clearItemError for a whole page at once. */
export async function clearItemErrors(db: Store, connectionId: string, refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  if (dialectOf(db) === 'postgres') {
    await db.executeQuery(CompiledQuery.raw(CLEAR_ITEM_ERRORS_PG, [connectionId, refs]));
    return;
  }
  for (const part of chunksOf(refs, 500)) {
    await db.deleteFrom('item_errors').where('connection_id', '=', connectionId).where('where_ref', 'in', part).execute();
  }
}

export async function listItemErrors(
  db: Store,
  ws: string,
  connectionId: string,
): Promise<{ where: string; reason: string; lastSeenAt: string }[]> {
  const rows = await db
    .selectFrom('item_errors')
    .select(['where_ref', 'reason', 'last_seen_at'])
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .orderBy('where_ref')
    .execute();
  return rows.map((r) => ({ where: r.where_ref, reason: r.reason, lastSeenAt: r.last_seen_at }));
}

/** How many emails and meetings a connection has seen (what a disconnect preview names). */
export async function countSeenBy(db: Store, ws: string, connectionId: string): Promise<{ emails: number; meetings: number }> {
  const [e, m] = await Promise.all([
    db
      .selectFrom('email_sightings')
      .select((eb) => eb.fn.count<number>('email_id').distinct().as('n'))
      .where('workspace_id', '=', ws)
      .where('connection_id', '=', connectionId)
      .executeTakeFirst(),
    db
      .selectFrom('meeting_sightings')
      .select((eb) => eb.fn.count<number>('meeting_id').distinct().as('n'))
      .where('workspace_id', '=', ws)
      .where('connection_id', '=', connectionId)
      .executeTakeFirst(),
  ]);
  return { emails: Number(e?.n ?? 0), meetings: Number(m?.n ?? 0) };
}

/** The providers of every connection in the store, each once (a service loads their connectors at start). */
export async function providersInUse(db: Store): Promise<string[]> {
  const rows = await db.selectFrom('connections').select('provider').distinct().execute();
  return rows.map((r) => r.provider);
}
