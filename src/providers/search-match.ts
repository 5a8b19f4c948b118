// What every provider's search checks itself on the headers it fetched: servers match
// SUBJECT as a substring or by word, and dates by day (IMAP) or by second; the live lookup
// promises every word of the subject and the exact instants asked.
import type { EmailItem, MeetingOccurrence } from '../domain/items.js';
import type { CalendarSearchQuery, MailSearchQuery } from './types.js';

export function subjectWords(s: string | undefined): string[] {
  return (s ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** The exact checks SEARCH could only approximate. */
export function matchesQuery(item: EmailItem, q: MailSearchQuery): boolean {
  const t = item.receivedAt.getTime();
  if (q.since && t < q.since.getTime()) return false;
  if (q.until && t >= q.until.getTime()) return false;
  const subject = item.subject.toLowerCase();
  return subjectWords(q.subject).every((w) => subject.includes(w));
}

/** An occurrence overlapping the range, with every title word and the attendee (or organizer) asked. */
export function matchesMeeting(o: MeetingOccurrence, q: CalendarSearchQuery): boolean {
  if (o.end.getTime() <= q.since.getTime() && o.start.getTime() < q.since.getTime()) return false;
  if (o.start.getTime() >= q.until.getTime()) return false;
  if (q.uid && o.uid !== q.uid) return false;
  const title = o.title.toLowerCase();
  if (!subjectWords(q.title).every((w) => title.includes(w))) return false;
  if (q.attendee) {
    const who = [o.organizer?.address, ...o.attendees.map((a) => a.address)].filter(Boolean).map((a) => a!.toLowerCase());
    if (!who.includes(q.attendee.toLowerCase())) return false;
  }
  return true;
}
