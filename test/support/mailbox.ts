// Writing folder mailboxes and calendars for tests: .eml files and .ics events.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestMail {
  id: string;
  from: string;
  to: string | string[];
  subject?: string;
  date?: string;
  folder?: string;
  file?: string;
}

export function emlText(m: TestMail): string {
  return [
    `From: ${m.from}`,
    `To: ${([] as string[]).concat(m.to).join(', ')}`,
    `Date: ${m.date ?? 'Tue, 03 Mar 2026 09:15:00 +0000'}`,
    `Message-ID: <${m.id}>`,
    `Subject: ${m.subject ?? `About ${m.id}`}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${m.id}.`,
    '',
  ].join('\r\n');
}

export function writeMailbox(root: string, mails: TestMail[]): string {
  for (const m of mails) {
    const dir = join(root, m.folder ?? 'INBOX');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, m.file ?? `${m.id.replace(/[^\w.-]/g, '_')}.eml`), emlText(m));
  }
  return root;
}

export interface TestEvent {
  uid: string;
  start: string; // 20260305T150000Z
  end: string;
  title: string;
  organizer: string;
  attendees: { email: string; partstat: string }[];
}

export function writeCalendar(root: string, events: TestEvent[]): string {
  mkdirSync(root, { recursive: true });
  for (const e of events) {
    writeFileSync(
      join(root, `${e.uid.replace(/[^\w.-]/g, '_')}.ics`),
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//Touchpoint tests//EN',
        'BEGIN:VEVENT',
        `UID:${e.uid}`,
        'DTSTAMP:20260301T000000Z',
        `DTSTART:${e.start}`,
        `DTEND:${e.end}`,
        `SUMMARY:${e.title}`,
        `ORGANIZER:mailto:${e.organizer}`,
        ...e.attendees.map((a) => `ATTENDEE;PARTSTAT=${a.partstat}:mailto:${a.email}`),
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
  }
  return root;
}
