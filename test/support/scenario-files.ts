// Scenario files for the end-to-end tests (cli.ts re-exports these; a test writes them into its
// Workspace): a small RFC 5322 message (.eml) and an iCalendar object of VEVENTs (.ics), each
// built from the few fields a scenario names.

type Addrs = string | string[] | undefined;
const hdr = (name: string, v: Addrs) => (v === undefined ? [] : [`${name}: ${Array.isArray(v) ? v.join(', ') : v}`]);

export interface EmlSpec {
  from: string;
  to?: Addrs;
  cc?: Addrs;
  bcc?: Addrs;
  /** RFC 5322 or ISO date; also the receive time unless `received` is given. */
  date: string;
  messageId?: string;
  subject?: string;
  /** Adds a Received: header stamped with this date (the mailbox's receive time). */
  received?: string;
  body?: string;
}

const rfc5322 = (iso: string) => new Date(iso).toUTCString().replace('GMT', '+0000');

/** A small RFC 5322 message. */
export function eml(s: EmlSpec): string {
  const lines = [
    ...(s.received ? [`Received: from mx.example.net by mx.ourco.com; ${rfc5322(s.received)}`] : []),
    `From: ${s.from}`,
    ...hdr('To', s.to),
    ...hdr('Cc', s.cc),
    ...hdr('Bcc', s.bcc),
    `Date: ${rfc5322(s.date)}`,
    ...(s.messageId ? [`Message-ID: <${s.messageId}>`] : []),
    `Subject: ${s.subject ?? 'Hello'}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    s.body ?? 'Hello there.',
    '',
  ];
  return lines.join('\r\n');
}

export interface AttendeeSpec {
  email: string;
  partstat?: string;
  cn?: string;
}

export interface EventSpec {
  uid: string;
  /** "20260310T150000Z", or a local time with `tzid`. */
  start: string;
  end?: string;
  tzid?: string;
  summary?: string;
  organizer?: string;
  attendees?: AttendeeSpec[];
  status?: string;
  rrule?: string;
  exdate?: string;
  recurrenceId?: string;
  lastModified?: string;
  dtstamp?: string;
  sequence?: number;
  extra?: string[];
}

function vevent(e: EventSpec): string[] {
  const tz = e.tzid ? `;TZID=${e.tzid}` : '';
  return [
    'BEGIN:VEVENT',
    `UID:${e.uid}`,
    `DTSTAMP:${e.dtstamp ?? '20260101T000000Z'}`,
    ...(e.recurrenceId ? [`RECURRENCE-ID${tz}:${e.recurrenceId}`] : []),
    ...(e.sequence !== undefined ? [`SEQUENCE:${e.sequence}`] : []),
    `DTSTART${tz}:${e.start}`,
    ...(e.end ? [`DTEND${tz}:${e.end}`] : []),
    ...(e.rrule ? [`RRULE:${e.rrule}`] : []),
    ...(e.exdate ? [`EXDATE${tz}:${e.exdate}`] : []),
    `SUMMARY:${e.summary ?? e.uid}`,
    ...(e.status ? [`STATUS:${e.status}`] : []),
    ...(e.lastModified ? [`LAST-MODIFIED:${e.lastModified}`] : []),
    ...(e.organizer ? [`ORGANIZER:mailto:${e.organizer}`] : []),
    // partstat '' leaves PARTSTAT out (RFC 5545: it then means NEEDS-ACTION).
    ...(e.attendees ?? []).map(
      (a) => `ATTENDEE${a.cn ? `;CN="${a.cn}"` : ''}${a.partstat === '' ? '' : `;PARTSTAT=${a.partstat ?? 'ACCEPTED'}`}:mailto:${a.email}`,
    ),
    ...(e.extra ?? []),
    'END:VEVENT',
  ];
}

/** An iCalendar object holding these VEVENTs (a series master and its overrides share a UID). */
export function ics(...events: EventSpec[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Touchpoint tests//EN', ...events.flatMap(vevent), 'END:VCALENDAR', ''].join('\r\n');
}
