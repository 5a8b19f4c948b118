// What a live lookup asks the providers: the CSM's query checked and normalised, with the
// default window for meetings. Split from live-find.ts so the lookup itself stays readable.
import { normalizeAddress } from '../directory/address.js';
import type { MailSearchQuery } from '../providers/types.js';
import { invalid } from './errors.js';
import type { FindEmailQuery, FindMeetingQuery } from './find-types.js';

/** A meeting lookup without dates looks this far back and ahead of `now`. */
const MEETING_BACK_DAYS = 90;
const MEETING_AHEAD_DAYS = 30;
const DAY = 86_400_000;

export function isoDates(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
}

function instant(field: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalid(field, `"${v}" is not a date or an ISO instant`);
  return d;
}

export function emailQuery(q: FindEmailQuery & { messageId?: string }): MailSearchQuery {
  if (!q.from && !q.to && !q.subject?.trim() && !q.messageId)
    throw invalid('query', 'give at least a sender (from), a recipient (to), words of the subject or a Message-ID');
  const since = instant('since', q.since);
  const until = instant('until', q.until);
  if (since && until && since >= until) throw invalid('until', 'must be after since');
  return {
    ...(q.messageId ? { messageId: q.messageId.replace(/^<|>$/g, '') } : {}),
    ...(q.from ? { from: normalizeAddress(q.from) } : {}),
    ...(q.to ? { to: normalizeAddress(q.to) } : {}),
    ...(q.subject?.trim() ? { subject: q.subject.trim() } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
}

export function meetingQuery(q: FindMeetingQuery & { uid?: string }, now: Date) {
  if (!q.title?.trim() && !q.attendee && !q.uid) throw invalid('query', 'give at least words of the title, an attendee or a UID');
  const since = instant('since', q.since) ?? new Date(now.getTime() - MEETING_BACK_DAYS * DAY);
  const until = instant('until', q.until) ?? new Date(now.getTime() + MEETING_AHEAD_DAYS * DAY);
  if (since >= until) throw invalid('until', 'must be after since');
  return {
    ...(q.uid ? { uid: q.uid } : {}),
    ...(q.title?.trim() ? { title: q.title.trim() } : {}),
    ...(q.attendee ? { attendee: normalizeAddress(q.attendee) } : {}),
    since,
    until,
  };
}
