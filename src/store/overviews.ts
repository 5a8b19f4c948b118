// Read-only overviews for the web app: accounts with their counts and last activity, and the
// items one connection saw but did not log, by the check that stopped them.
import type { Store } from './db.js';

export interface AccountSummary {
  id: string;
  name: string;
  endUsers: number;
  emails: number;
  meetings: number;
  /** The newest linked email or meeting; null when nothing is logged yet. */
  lastActivityAt: string | null;
}

const byAccount = async (db: Store, ws: string, table: 'email_links' | 'meeting_links') =>
  new Map(
    (
      await db
        .selectFrom(table)
        .select((eb) => ['account_id', eb.fn.countAll<number | string>().as('n'), eb.fn.max('at').as('last')])
        .where('workspace_id', '=', ws)
        .groupBy('account_id')
        .execute()
    ).map((r) => [r.account_id, { n: Number(r.n), last: r.last as string | null }]),
  );

export async function accountSummaries(db: Store, ws: string): Promise<AccountSummary[]> {
  const accounts = await db.selectFrom('accounts').select(['id', 'name']).where('workspace_id', '=', ws).orderBy('name').execute();
  const users = new Map(
    (
      await db
        .selectFrom('end_users')
        .select((eb) => ['account_id', eb.fn.countAll<number | string>().as('n')])
        .where('workspace_id', '=', ws)
        .groupBy('account_id')
        .execute()
    ).map((r) => [r.account_id, Number(r.n)]),
  );
  const emails = await byAccount(db, ws, 'email_links');
  const meetings = await byAccount(db, ws, 'meeting_links');
  return accounts.map((a) => {
    const e = emails.get(a.id);
    const m = meetings.get(a.id);
    const last = [e?.last, m?.last].filter((x): x is string => !!x).sort();
    return {
      id: a.id,
      name: a.name,
      endUsers: users.get(a.id) ?? 0,
      emails: e?.n ?? 0,
      meetings: m?.n ?? 0,
      lastActivityAt: last.at(-1) ? new Date(last.at(-1)!).toISOString() : null,
    };
  });
}

export interface SkippedRow {
  kind: 'email' | 'meeting';
  id: string;
  /** Message-ID (email) or UID (meeting): what the troubleshooter explains by. */
  ref: string | null;
  /** For a meeting, its occurrence start. */
  at: string;
  /** Kept for meetings; not-logged mail keeps no subject. */
  title: string | null;
  folder: string | null;
  /** The first failing check's code: the reason it is counted under. */
  code: string;
  /** That check's words as decided (empty for mail whose details were dropped). */
  detail: string;
}

/** The check an item is counted under in the connection's "skipped" counts (store/timeline.ts tally). */
function skipReason(decision: string): { code: string; detail: string } {
  const failed = (JSON.parse(decision) as { checks: { status: string; code: string; detail?: string }[] }).checks.find(
    (c) => c.status === 'fail',
  );
  return { code: failed?.code ?? 'NO_ACCOUNT', detail: failed?.detail ?? '' };
}

export async function skippedItems(db: Store, ws: string, connectionId: string, kind: 'email' | 'meeting'): Promise<SkippedRow[]> {
  if (kind === 'email') {
    const rows = await db
      .selectFrom('email_sightings')
      .innerJoin('emails', 'emails.id', 'email_sightings.email_id')
      .select(['emails.id', 'emails.message_id', 'emails.at', 'emails.decision', 'email_sightings.folder'])
      .where('email_sightings.workspace_id', '=', ws)
      .where('email_sightings.connection_id', '=', connectionId)
      .where('emails.outcome', 'not in', ['linked', 'upcoming'])
      .orderBy('emails.at', 'desc')
      .execute();
    const seen = new Set<string>();
    return rows
      .filter((r) => !seen.has(r.id) && seen.add(r.id))
      .map((r) => ({
        kind,
        id: r.id,
        ref: r.message_id,
        at: new Date(r.at).toISOString(),
        title: null,
        folder: r.folder,
        ...skipReason(r.decision),
      }));
  }
  const rows = await db
    .selectFrom('meeting_sightings')
    .innerJoin('meetings', 'meetings.id', 'meeting_sightings.meeting_id')
    .select(['meetings.id', 'meetings.uid', 'meetings.occurrence_start', 'meetings.title', 'meetings.decision'])
    .distinct()
    .where('meeting_sightings.workspace_id', '=', ws)
    .where('meeting_sightings.connection_id', '=', connectionId)
    .where('meetings.outcome', 'not in', ['linked', 'upcoming'])
    .orderBy('meetings.occurrence_start', 'desc')
    .execute();
  return rows.map((r) => ({
    kind,
    id: r.id,
    ref: r.uid,
    at: new Date(r.occurrence_start).toISOString(),
    title: r.title,
    folder: null,
    ...skipReason(r.decision),
  }));
}
