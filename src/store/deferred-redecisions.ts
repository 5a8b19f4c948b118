// Emails a directory change could not re-read yet (migration 015), one row per workspace and
// email: how many reads were refused, since when, and the last refusal (its SourceError code
// and the provider that gave it). Every query names its workspace. sync/deferred-redecide.ts
// re-reads them after a connection syncs; explain says an email is waiting, and why.
import { sql } from 'kysely';
import type { Store } from './db.js';

export interface DeferredRedecision {
  emailId: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  /** THROTTLED, NETWORK or AUTH_FAILED. */
  lastError: string;
  provider: string;
}

/** A refused read: the email, and why (its code and the provider that refused). */
export interface Refusal {
  emailId: string;
  code: string;
  provider: string;
}

type Row = {
  email_id: string;
  attempts: number | string;
  first_failed_at: string;
  last_failed_at: string;
  last_error: string;
  provider: string;
};

const toRecord = (r: Row): DeferredRedecision => ({
  emailId: r.email_id,
  attempts: Number(r.attempts),
  firstFailedAt: new Date(r.first_failed_at),
  lastFailedAt: new Date(r.last_failed_at),
  lastError: r.last_error,
  provider: r.provider,
});

/** Records refused reads: a new email waits from now, one already waiting counts one more attempt. */
export async function deferRedecisions(db: Store, ws: string, refusals: Refusal[], now: Date): Promise<void> {
  const at = now.toISOString();
  // A few hundred rows a statement at most (a change's page is 500): well under both databases' parameter limits.
  for (let i = 0; i < refusals.length; i += 200) {
    await db
      .insertInto('deferred_redecisions')
      .values(
        refusals.slice(i, i + 200).map((r) => ({
          workspace_id: ws,
          email_id: r.emailId,
          attempts: 1,
          first_failed_at: at,
          last_failed_at: at,
          last_error: r.code,
          provider: r.provider,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'email_id']).doUpdateSet((eb) => ({
          attempts: sql<number>`deferred_redecisions.attempts + 1`,
          last_failed_at: eb.ref('excluded.last_failed_at'),
          last_error: eb.ref('excluded.last_error'),
          provider: eb.ref('excluded.provider'),
        })),
      )
      .execute();
  }
}

/** Whether the workspace has any email waiting (a change then clears what it reads). */
export async function hasDeferred(db: Store, ws: string): Promise<boolean> {
  const r = await db.selectFrom('deferred_redecisions').select('email_id').where('workspace_id', '=', ws).limit(1).executeTakeFirst();
  return !!r;
}

export async function clearDeferred(db: Store, ws: string, emailIds: string[]): Promise<void> {
  for (let i = 0; i < emailIds.length; i += 500) {
    const part = emailIds.slice(i, i + 500);
    await db.deleteFrom('deferred_redecisions').where('workspace_id', '=', ws).where('email_id', 'in', part).execute();
  }
}

/**
 * Up to `limit` waiting emails seen by this connection (a copy there) that are due: an email
 * refused `n` times is due once its last refusal is at or before `dueIf[n - 1]` (the last entry
 * for every count beyond). Least recently tried first, so emails refused again make way for the others.
 */
export async function deferredDue(
  db: Store,
  ws: string,
  connectionId: string,
  dueIf: Date[],
  limit: number,
): Promise<DeferredRedecision[]> {
  const rows = await db
    .selectFrom('deferred_redecisions as d')
    .selectAll('d')
    .where('d.workspace_id', '=', ws)
    .where((eb) =>
      eb.or(
        dueIf.map((before, k) =>
          eb.and([
            k === dueIf.length - 1 ? eb('d.attempts', '>=', k + 1) : eb('d.attempts', '=', k + 1),
            eb('d.last_failed_at', '<=', before.toISOString()),
          ]),
        ),
      ),
    )
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('email_sightings as s')
          .select('s.email_id')
          .whereRef('s.workspace_id', '=', 'd.workspace_id')
          .whereRef('s.email_id', '=', 'd.email_id')
          .where('s.connection_id', '=', connectionId),
      ),
    )
    .orderBy('d.last_failed_at')
    .orderBy('d.email_id')
    .limit(limit)
    .execute();
  return rows.map(toRecord);
}

/** The waiting emails first refused at or before `cutoff` (given up by age, whatever their connections do). */
export async function deferredSince(db: Store, ws: string, cutoff: Date): Promise<DeferredRedecision[]> {
  const rows = await db
    .selectFrom('deferred_redecisions')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('first_failed_at', '<=', cutoff.toISOString())
    .orderBy('first_failed_at')
    .execute();
  return rows.map(toRecord);
}

/**
 * The waiting emails no connection that can still be read holds a copy of: every copy is in a
 * disconnected connection (its credentials deleted) or one since removed. No sync will re-read them.
 * The SQL form of canReread (sync/reload-emails.ts).
 */
export async function deferredWithoutCopies(db: Store, ws: string): Promise<DeferredRedecision[]> {
  const rows = await db
    .selectFrom('deferred_redecisions as d')
    .selectAll('d')
    .where('d.workspace_id', '=', ws)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('email_sightings as s')
            .innerJoin('connections as c', (j) => j.onRef('c.workspace_id', '=', 's.workspace_id').onRef('c.id', '=', 's.connection_id'))
            .select('s.email_id')
            .whereRef('s.workspace_id', '=', 'd.workspace_id')
            .whereRef('s.email_id', '=', 'd.email_id')
            .where('c.status', '!=', 'disconnected'),
        ),
      ),
    )
    .orderBy('d.first_failed_at')
    .execute();
  return rows.map(toRecord);
}

export async function getDeferred(db: Store, ws: string, emailId: string): Promise<DeferredRedecision | null> {
  const r = await db
    .selectFrom('deferred_redecisions')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('email_id', '=', emailId)
    .executeTakeFirst();
  return r ? toRecord(r) : null;
}
