// Alert state: one row per connection breakage (reauth_alerts) and the admins who asked for
// the daily digest (alert_digests). The claim is one conditional upsert, so two workers that
// see the same breakage at once tell the teammate once.
import type { Store } from './db.js';

export interface ReauthAlertRow {
  connectionId: string;
  brokenAt: Date;
  reason: string;
  emailedTo: string | null;
  resolvedAt: Date | null;
}

/**
 * Records that the connection broke; true when this is a new breakage (none recorded, or the
 * last one was resolved), false when this breakage was recorded (and told) already.
 */
export async function claimBreakage(db: Store, ws: string, connectionId: string, reason: string, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const rows = await db
    .insertInto('reauth_alerts')
    .values({ workspace_id: ws, connection_id: connectionId, broken_at: at, reason, emailed_to: null, emailed_at: null, resolved_at: null })
    .onConflict((oc) =>
      oc
        .column('connection_id')
        .doUpdateSet({ workspace_id: ws, broken_at: at, reason, emailed_to: null, emailed_at: null, resolved_at: null })
        .where('reauth_alerts.resolved_at', 'is not', null),
    )
    .returning('connection_id')
    .execute();
  return rows.length === 1;
}

export async function markEmailed(db: Store, ws: string, connectionId: string, to: string, now: Date): Promise<void> {
  await db
    .updateTable('reauth_alerts')
    .set({ emailed_to: to, emailed_at: now.toISOString() })
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .execute();
}

/** The connection was re-authorized: its breakage is over (the next one is told again). */
export async function resolveBreakage(db: Store, ws: string, connectionId: string, now: Date): Promise<void> {
  await db
    .updateTable('reauth_alerts')
    .set({ resolved_at: now.toISOString() })
    .where('workspace_id', '=', ws)
    .where('connection_id', '=', connectionId)
    .where('resolved_at', 'is', null)
    .execute();
}

/** Breakages still open, and those resolved at or after `resolvedSince`. */
export async function listBreakages(db: Store, ws: string, resolvedSince: Date): Promise<ReauthAlertRow[]> {
  const rows = await db
    .selectFrom('reauth_alerts')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', resolvedSince.toISOString())]))
    .orderBy('broken_at')
    .execute();
  return rows.map((r) => ({
    connectionId: r.connection_id,
    brokenAt: new Date(r.broken_at),
    reason: r.reason,
    emailedTo: r.emailed_to,
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
  }));
}

export interface DigestSubscriber {
  address: string;
  lastSentAt: Date | null;
}

export async function setDigestSubscription(db: Store, ws: string, address: string, on: boolean, now: Date): Promise<boolean> {
  if (!on) {
    const r = await db.deleteFrom('alert_digests').where('workspace_id', '=', ws).where('address', '=', address).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  const rows = await db
    .insertInto('alert_digests')
    .values({ workspace_id: ws, address, subscribed_at: now.toISOString(), last_sent_at: null })
    .onConflict((oc) => oc.columns(['workspace_id', 'address']).doNothing())
    .returning('address')
    .execute();
  return rows.length === 1;
}

export async function listDigestSubscribers(db: Store, ws: string): Promise<DigestSubscriber[]> {
  const rows = await db.selectFrom('alert_digests').selectAll().where('workspace_id', '=', ws).orderBy('address').execute();
  return rows.map((r) => ({ address: r.address, lastSentAt: r.last_sent_at ? new Date(r.last_sent_at) : null }));
}

/** Claims this digest for `now`: false when another process sent it since `dueBefore`. */
export async function claimDigest(db: Store, ws: string, address: string, dueBefore: Date, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('alert_digests')
    .set({ last_sent_at: now.toISOString() })
    .where('workspace_id', '=', ws)
    .where('address', '=', address)
    .where((eb) => eb.or([eb('last_sent_at', 'is', null), eb('last_sent_at', '<=', dueBefore.toISOString())]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
