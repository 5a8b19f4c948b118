// Retention: mail and meetings that were seen but never linked are kept only for a while
// (default 30 days from when they were first seen), then purged with their sightings and
// participant hashes. Linked items, and meetings still upcoming, are never touched.
//
// A purged item is forgotten: if an end user is added later, mail older than the period is
// not found again (that is the point of the rule). What stays is a tombstone (tombstones.ts):
// when and where it was seen, its outcome and failing codes, keyed by a hash — so explain
// answers "seen …, not linked: …; details removed after N days", not "none has seen it". A calendar object that changes later is
// expanded again, and its not-linked occurrences come back with a new first-seen time.
import type { ExpressionBuilder, Transaction } from 'kysely';
import type { Store } from './db.js';
import type { DB } from './schema.js';
import { emailTombstoneKey, failedCodes, meetingTombstoneKey, tombstoneKey, writeTombstones, type TombstoneWrite } from './tombstones.js';
import { chunksOf } from '../domain/chunks.js';

export const DEFAULT_RETENTION_DAYS = 30;

export interface PurgeReport {
  cutoff: string;
  emails: number;
  meetings: number;
}

/**
 * What the purge takes, written once for the purge, its tombstones and the deletes. An email
 * waiting for a directory change's re-read (deferred_redecisions) is not linked only because
 * it has not been decided with the new directory yet: it stays until read or given up (at most
 * 7 days, sync/deferred-redecide.ts), so no queue row ever names a purged email.
 */
const purgeableEmail = (ws: string, cutoff: string) => (eb: ExpressionBuilder<DB, 'emails'>) =>
  eb.and([
    eb('workspace_id', '=', ws),
    eb('outcome', '!=', 'linked'),
    eb('first_seen_at', '<', cutoff),
    eb.not(
      eb.exists(
        eb
          .selectFrom('deferred_redecisions as d')
          .select('d.email_id')
          .whereRef('d.workspace_id', '=', 'emails.workspace_id')
          .whereRef('d.email_id', '=', 'emails.id'),
      ),
    ),
  ]);
const purgeableMeeting = (ws: string, cutoff: string) => (eb: ExpressionBuilder<DB, 'meetings'>) =>
  eb.and([eb('workspace_id', '=', ws), eb('outcome', '=', 'not_linked'), eb('first_seen_at', '<', cutoff)]);

export async function purgeNotLinked(db: Store, ws: string, now: Date, days = DEFAULT_RETENTION_DAYS): Promise<PurgeReport> {
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  return db.transaction().execute(async (trx) => {
    const oldEmails = trx.selectFrom('emails').select('id').where(purgeableEmail(ws, cutoff));
    const oldMeetings = trx.selectFrom('meetings').select('id').where(purgeableMeeting(ws, cutoff));
    await keepTombstones(trx, ws, cutoff, now, days);
    await trx.deleteFrom('email_sightings').where('workspace_id', '=', ws).where('email_id', 'in', oldEmails).execute();
    await trx
      .deleteFrom('participant_hashes')
      .where('workspace_id', '=', ws)
      .where('kind', '=', 'email')
      .where('item_id', 'in', oldEmails)
      .execute();
    await trx.deleteFrom('meeting_sightings').where('workspace_id', '=', ws).where('meeting_id', 'in', oldMeetings).execute();
    await trx
      .deleteFrom('participant_hashes')
      .where('workspace_id', '=', ws)
      .where('kind', '=', 'meeting')
      .where('item_id', 'in', oldMeetings)
      .execute();
    const e = await trx.deleteFrom('emails').where(purgeableEmail(ws, cutoff)).executeTakeFirst();
    const m = await trx.deleteFrom('meetings').where(purgeableMeeting(ws, cutoff)).executeTakeFirst();
    return { cutoff, emails: Number(e.numDeletedRows), meetings: Number(m.numDeletedRows) };
  });
}

/** One tombstone per email and meeting occurrence about to be purged (the same predicates). */
async function keepTombstones(trx: Transaction<DB>, ws: string, cutoff: string, now: Date, days: number): Promise<void> {
  const wsRow = await trx.selectFrom('workspaces').select('hash_key').where('id', '=', ws).executeTakeFirst();
  if (!wsRow) return;
  const hashKey = Buffer.from(wsRow.hash_key, 'base64');
  const emails = await trx
    .selectFrom('emails')
    .select(['id', 'dedup_key', 'at', 'first_seen_at', 'outcome', 'decision', 'from_hash'])
    .where(purgeableEmail(ws, cutoff))
    .execute();
  const meetings = await trx
    .selectFrom('meetings')
    .select(['id', 'uid', 'occurrence_start', 'first_seen_at', 'outcome', 'decision'])
    .where(purgeableMeeting(ws, cutoff))
    .execute();
  const emailWhere = new Map<string, TombstoneWrite['seenIn']>();
  for (const part of chunksOf(emails, 500)) {
    const ids = part.map((e) => e.id);
    const rows = await trx
      .selectFrom('email_sightings')
      .select(['email_id', 'connection_id', 'folder'])
      .where('workspace_id', '=', ws)
      .where('email_id', 'in', ids)
      .execute();
    for (const r of rows) addWhere(emailWhere, r.email_id, r.connection_id, r.folder);
  }
  const meetingWhere = new Map<string, TombstoneWrite['seenIn']>();
  for (const part of chunksOf(meetings, 500)) {
    const ids = part.map((m) => m.id);
    const rows = await trx
      .selectFrom('meeting_sightings')
      .select(['meeting_id', 'connection_id'])
      .where('workspace_id', '=', ws)
      .where('meeting_id', 'in', ids)
      .execute();
    // A calendar sighting's ref may hold a path with an address: only the connection is kept.
    for (const r of rows) addWhere(meetingWhere, r.meeting_id, r.connection_id, null);
  }
  const purgedAt = now;
  await writeTombstones(trx, ws, [
    ...emails.map((e) => ({
      kind: 'email' as const,
      keyHash: tombstoneKey(hashKey, emailTombstoneKey(e.dedup_key)),
      occurrenceStart: '',
      at: new Date(e.at),
      firstSeenAt: new Date(e.first_seen_at),
      purgedAt,
      retentionDays: days,
      outcome: e.outcome,
      codes: failedCodes(e.decision),
      seenIn: emailWhere.get(e.id) ?? [],
      fromHash: e.from_hash,
    })),
    ...meetings.map((m) => ({
      kind: 'meeting' as const,
      keyHash: tombstoneKey(hashKey, meetingTombstoneKey(m.uid)),
      occurrenceStart: m.occurrence_start,
      at: new Date(m.occurrence_start),
      firstSeenAt: new Date(m.first_seen_at),
      purgedAt,
      retentionDays: days,
      outcome: m.outcome,
      codes: failedCodes(m.decision),
      seenIn: meetingWhere.get(m.id) ?? [],
    })),
  ]);
}

function addWhere(map: Map<string, TombstoneWrite['seenIn']>, id: string, connectionId: string, folder: string | null): void {
  const list = map.get(id) ?? [];
  if (!list.some((w) => w.connectionId === connectionId && w.folder === folder)) list.push({ connectionId, folder });
  map.set(id, list);
}

/** "30d", "12h", "90" (days) → days; null when it is not such a period. */
export function parsePeriodDays(raw: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(d|h)?\s*$/i.exec(raw);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2]?.toLowerCase() === 'h' ? n / 24 : n;
}
