// The store side of "Where is my email?": emails and meeting occurrences by what a CSM
// remembers. Addresses arrive as keyed hashes (the store keeps no address of not-linked
// mail); words match only where a subject or title is kept. Every query is scoped to one
// workspace and served by migration 007's indexes (sender + day: emails_by_sender).
import type { Store } from './db.js';
import { emailFromRow, type EmailRecord } from './emails.js';
import { containsText } from './like.js';
import { meetingFromRow, type MeetingRecord } from './meetings.js';
import type { Tombstone, TombstoneKind } from './tombstones.js';

/**
 * An address's keyed hash, or the hashes it may be stored under (store/context.ts
 * addressHashes: an address on an internationalised domain also by its earlier Unicode form's).
 */
export type AddressHashes = string | readonly string[];

/** `= hash` for one hash (as before), `in (…)` for several. */
function hashIn(hashes: AddressHashes): { op: '=' | 'in'; value: string | readonly string[] } {
  if (typeof hashes === 'string') return { op: '=', value: hashes };
  return hashes.length === 1 ? { op: '=', value: hashes[0]! } : { op: 'in', value: hashes };
}

export interface EmailSearch {
  fromHash?: AddressHashes;
  toHash?: AddressHashes;
  /** All of them, case-insensitively, in the kept subject (linked mail only). */
  subjectWords?: string[];
  /** Only mail a not-linked decision kept no subject of (to tell whether live lookup could). */
  notLinkedOnly?: boolean;
  since?: string;
  until?: string;
  /** Only mail seen by one of these connections (a teammate's). */
  connectionIds?: string[];
  limit: number;
}

/** Newest first, at most `limit`. */
export async function searchEmails(db: Store, ws: string, q: EmailSearch): Promise<EmailRecord[]> {
  // By sender: rows that know their sender by its hash, plus rows stored before migration 007
  // that kept no addresses, where "a participant" is the best the store can say.
  if (q.fromHash) {
    const [bySender, legacy] = await Promise.all([emailQuery(db, ws, q, 'sender'), emailQuery(db, ws, q, 'legacy')]);
    return [...bySender, ...legacy].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, q.limit);
  }
  return emailQuery(db, ws, q, 'any');
}

function emailQuery(db: Store, ws: string, q: EmailSearch, by: 'sender' | 'legacy' | 'any'): Promise<EmailRecord[]> {
  let sel = db.selectFrom('emails').selectAll('emails').where('emails.workspace_id', '=', ws);
  const participant = (hashes: AddressHashes) => {
    const h = hashIn(hashes);
    return db
      .selectFrom('participant_hashes')
      .select('participant_hashes.item_id')
      .where('participant_hashes.workspace_id', '=', ws)
      .where('participant_hashes.kind', '=', 'email')
      .where('participant_hashes.addr_hash', h.op, h.value);
  };
  if (by === 'sender' && q.fromHash) {
    const h = hashIn(q.fromHash);
    sel = sel.where('emails.from_hash', h.op, h.value);
  }
  if (by === 'legacy' && q.fromHash) sel = sel.where('emails.from_hash', 'is', null).where('emails.id', 'in', participant(q.fromHash));
  if (q.toHash) {
    const to = hashIn(q.toHash);
    // A recipient, not (only) the sender: mail someone sent is not "mail to" them.
    sel = sel
      .where('emails.id', 'in', participant(q.toHash))
      .where((eb) => eb.or([eb('emails.from_hash', 'is', null), eb('emails.from_hash', to.op === '=' ? '!=' : 'not in', to.value)]));
  }
  if (q.since) sel = sel.where('emails.at', '>=', q.since);
  if (q.until) sel = sel.where('emails.at', '<', q.until);
  for (const w of q.subjectWords ?? []) sel = sel.where(containsText('emails.subject', w, { caseInsensitive: true }));
  if (q.notLinkedOnly) sel = sel.where('emails.outcome', '!=', 'linked');
  const conns = q.connectionIds;
  if (conns) {
    if (conns.length === 0) return Promise.resolve([]);
    sel = sel.where((eb) =>
      eb.exists(
        eb
          .selectFrom('email_sightings')
          .select('email_sightings.email_id')
          .whereRef('email_sightings.email_id', '=', 'emails.id')
          .where('email_sightings.workspace_id', '=', ws)
          .where('email_sightings.connection_id', 'in', conns),
      ),
    );
  }
  return sel
    .orderBy('emails.at', 'desc')
    .limit(q.limit)
    .execute()
    .then((rows) => rows.map(emailFromRow));
}

export interface MeetingSearch {
  titleWords?: string[];
  attendeeHash?: AddressHashes;
  since?: string;
  until?: string;
  connectionIds?: string[];
  limit: number;
}

/** Meeting occurrences, latest start first, at most `limit`. */
export async function searchMeetings(db: Store, ws: string, q: MeetingSearch): Promise<MeetingRecord[]> {
  let sel = db.selectFrom('meetings').selectAll('meetings').where('meetings.workspace_id', '=', ws);
  if (q.attendeeHash) {
    const h = hashIn(q.attendeeHash);
    sel = sel.where(
      'meetings.id',
      'in',
      db
        .selectFrom('participant_hashes')
        .select('participant_hashes.item_id')
        .where('participant_hashes.workspace_id', '=', ws)
        .where('participant_hashes.kind', '=', 'meeting')
        .where('participant_hashes.addr_hash', h.op, h.value),
    );
  }
  if (q.since) sel = sel.where('meetings.occurrence_start', '>=', q.since);
  if (q.until) sel = sel.where('meetings.occurrence_start', '<', q.until);
  for (const w of q.titleWords ?? []) sel = sel.where(containsText('meetings.title', w, { caseInsensitive: true }));
  const conns = q.connectionIds;
  if (conns) {
    if (conns.length === 0) return [];
    sel = sel.where((eb) =>
      eb.exists(
        eb
          .selectFrom('meeting_sightings')
          .select('meeting_sightings.meeting_id')
          .whereRef('meeting_sightings.meeting_id', '=', 'meetings.id')
          .where('meeting_sightings.workspace_id', '=', ws)
          .where('meeting_sightings.connection_id', 'in', conns),
      ),
    );
  }
  const rows = await sel.orderBy('meetings.occurrence_start', 'desc').limit(q.limit).execute();
  return rows.map(meetingFromRow);
}

/** Tombstones of purged emails from this sender (hash) in the range: what retention left to recognise them by. */
export async function emailTombstonesBySender(
  db: Store,
  ws: string,
  q: { fromHash: AddressHashes; since?: string; until?: string; limit: number },
): Promise<Tombstone[]> {
  const h = hashIn(q.fromHash);
  let sel = db
    .selectFrom('tombstones')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('kind', '=', 'email' satisfies TombstoneKind)
    .where('from_hash', h.op, h.value);
  if (q.since) sel = sel.where('at', '>=', q.since);
  if (q.until) sel = sel.where('at', '<', q.until);
  const rows = await sel.orderBy('at', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({
    kind: 'email',
    occurrenceStart: null,
    at: new Date(r.at),
    firstSeenAt: new Date(r.first_seen_at),
    purgedAt: new Date(r.purged_at),
    retentionDays: Number(r.retention_days),
    outcome: r.outcome,
    codes: JSON.parse(r.codes) as string[],
    seenIn: JSON.parse(r.seen_in) as Tombstone['seenIn'],
  }));
}
