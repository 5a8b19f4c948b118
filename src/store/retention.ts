// Retention: mail and meetings that were seen but never linked are kept only for a while
// (default 30 days from when they were first seen), then purged with their sightings and
// participant hashes. Linked items, and meetings still upcoming, are never touched.
//
// A purged item is forgotten: if an end user is added later, mail older than the period is
// not found again (that is the point of the rule). A calendar object that changes later is
// expanded again, and its not-linked occurrences come back with a new first-seen time.
import type { Store } from './db.js';

export const DEFAULT_RETENTION_DAYS = 30;

export interface PurgeReport {
  cutoff: string;
  emails: number;
  meetings: number;
}

export async function purgeNotLinked(db: Store, ws: string, now: Date, days = DEFAULT_RETENTION_DAYS): Promise<PurgeReport> {
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  return db.transaction().execute(async (trx) => {
    const oldEmails = trx
      .selectFrom('emails')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('outcome', '!=', 'linked')
      .where('first_seen_at', '<', cutoff);
    const oldMeetings = trx
      .selectFrom('meetings')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('outcome', '=', 'not_linked')
      .where('first_seen_at', '<', cutoff);
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
    const e = await trx
      .deleteFrom('emails')
      .where('workspace_id', '=', ws)
      .where('outcome', '!=', 'linked')
      .where('first_seen_at', '<', cutoff)
      .executeTakeFirst();
    const m = await trx
      .deleteFrom('meetings')
      .where('workspace_id', '=', ws)
      .where('outcome', '=', 'not_linked')
      .where('first_seen_at', '<', cutoff)
      .executeTakeFirst();
    return { cutoff, emails: Number(e.numDeletedRows), meetings: Number(m.numDeletedRows) };
  });
}

/** "30d", "12h", "90" (days) → days; null when it is not such a period. */
export function parsePeriodDays(raw: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(d|h)?\s*$/i.exec(raw);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2]?.toLowerCase() === 'h' ? n / 24 : n;
}
