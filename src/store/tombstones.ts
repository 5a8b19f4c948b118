// Tombstones: a few facts kept per not-linked item when retention purges it (see
// retention.ts), so explain can still say when and where it was seen and why it was not
// logged. Keyed by the workspace-keyed HMAC of the item's key ("mid:<Message-ID>",
// "fp:<fingerprint>", "uid:<calendar UID>"): no content, no address, no subject.
import { createHmac } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Decision } from '../domain/decision.js';
import type { Store } from './db.js';
import type { DB } from './schema.js';
import { chunksOf } from '../domain/chunks.js';

export type TombstoneKind = 'email' | 'meeting';

export interface Tombstone {
  kind: TombstoneKind;
  /** Meetings: the occurrence's start; emails: null. */
  occurrenceStart: Date | null;
  at: Date;
  firstSeenAt: Date;
  purgedAt: Date;
  retentionDays: number;
  outcome: string;
  /** The checks that failed, by stable code (E3_NO_END_USER, …). */
  codes: string[];
  seenIn: { connectionId: string; folder: string | null }[];
}

/** The keyed hash a tombstone is found by (same HMAC as participant hashes, prefixed key). */
export function tombstoneKey(hashKey: Buffer, key: string): string {
  return createHmac('sha256', hashKey).update(`tombstone|${key}`).digest('hex').slice(0, 32);
}

export const emailTombstoneKey = (dedupKey: string) => dedupKey; // "mid:…" or "fp:…"
export const meetingTombstoneKey = (uid: string) => `uid:${uid}`;

/** The failing codes of a stored decision; a record whose decision cannot be read gives none
 * (the purge must never stop on one bad row). */
export function failedCodes(decisionJson: string): string[] {
  try {
    const d = JSON.parse(decisionJson) as Partial<Decision>;
    return Array.isArray(d.checks) ? d.checks.filter((c) => c?.status === 'fail' && typeof c.code === 'string').map((c) => c.code) : [];
  } catch {
    return [];
  }
}

export interface TombstoneWrite extends Omit<Tombstone, 'kind' | 'occurrenceStart'> {
  kind: TombstoneKind;
  keyHash: string;
  occurrenceStart: string;
  /** Email: the sender's keyed hash, so find by sender + day still answers after the purge. */
  fromHash?: string | null;
}

/** Insert or refresh (an item seen again and purged again keeps one tombstone). */
export async function writeTombstones(trx: Transaction<DB> | Store, ws: string, rows: TombstoneWrite[]): Promise<void> {
  for (const part of chunksOf(rows, 200)) {
    const values = part.map((t) => ({
      workspace_id: ws,
      kind: t.kind,
      key_hash: t.keyHash,
      occurrence_start: t.occurrenceStart,
      at: t.at.toISOString(),
      first_seen_at: t.firstSeenAt.toISOString(),
      purged_at: t.purgedAt.toISOString(),
      retention_days: t.retentionDays,
      outcome: t.outcome,
      codes: JSON.stringify(t.codes),
      seen_in: JSON.stringify(t.seenIn),
      from_hash: t.fromHash ?? null,
    }));
    await trx
      .insertInto('tombstones')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'kind', 'key_hash', 'occurrence_start']).doUpdateSet((eb) => ({
          at: eb.ref('excluded.at'),
          first_seen_at: eb.ref('excluded.first_seen_at'),
          purged_at: eb.ref('excluded.purged_at'),
          retention_days: eb.ref('excluded.retention_days'),
          outcome: eb.ref('excluded.outcome'),
          codes: eb.ref('excluded.codes'),
          seen_in: eb.ref('excluded.seen_in'),
          from_hash: eb.ref('excluded.from_hash'),
        })),
      )
      .execute();
  }
}

/** The tombstones of one item (a meeting series may have several occurrences), oldest first. */
export async function findTombstones(db: Store, ws: string, kind: TombstoneKind, keyHash: string): Promise<Tombstone[]> {
  const rows = await db
    .selectFrom('tombstones')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('kind', '=', kind)
    .where('key_hash', '=', keyHash)
    .orderBy('occurrence_start')
    .execute();
  return rows.map((r) => ({
    kind: r.kind as TombstoneKind,
    occurrenceStart: r.occurrence_start ? new Date(r.occurrence_start) : null,
    at: new Date(r.at),
    firstSeenAt: new Date(r.first_seen_at),
    purgedAt: new Date(r.purged_at),
    retentionDays: Number(r.retention_days),
    outcome: r.outcome,
    codes: JSON.parse(r.codes) as string[],
    seenIn: JSON.parse(r.seen_in) as Tombstone['seenIn'],
  }));
}
