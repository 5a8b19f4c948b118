// End to end: a folder mailbox and calendar where good items sit between the inputs that
// fuzzing found breaking things (and plain garbage). `touchpoint sync` stores every good
// item, lists each bad one as a per-item error with its file, and exits 0.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emlText } from '../support/mailbox.js';
import { Workspace } from '../support/cli.js';
import { CORPUS } from './harness.js';

const ws = new Workspace('2026-03-20T12:00:00Z', 'tp-fuzz-mixed-');
afterAll(() => ws.cleanup());

const good = (n: number) => emlText({ id: `good-${n}@acme.com`, from: 'bob@acme.com', to: 'alice@ourco.com', subject: `Good ${n}` });
const meeting = (uid: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260301T000000Z',
    'DTSTART:20260305T150000Z',
    'DTEND:20260305T160000Z',
    'SUMMARY:Acme sync',
    'ORGANIZER:mailto:alice@ourco.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@acme.com',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

describe('a mixed batch: the good items around bad ones still sync', () => {
  it('stores every good email and meeting and reports each bad file', async () => {
    await ws.init();
    await ws.teammate('alice@ourco.com');
    await ws.account('acme', 'Acme');
    await ws.ok(['user', 'add', '--account', 'acme', '--email', 'bob@acme.com']);

    ws.write('mail/INBOX/1-good.eml', good(1));
    ws.write('mail/INBOX/2-empty.eml', '');
    ws.write('mail/INBOX/3-good.eml', good(3));
    ws.write('mail/INBOX/4-binary.eml', Buffer.from([0x00, 0xff, 0xfe, 0x00, 0x13, 0x37]));
    ws.write('mail/INBOX/5-good.eml', good(5));
    ws.write('calendar/1-good.ics', meeting('good-1@ourco.com'));
    // The corpus files that once hung or crashed the calendar parser.
    for (const name of ['impossible-daily-bysetpos-minimal.ics', 'vtimezone-rrule-bad-until.ics', 'yearly-bysetpos-never-fits.ics']) {
      ws.write(`calendar/2-${name}`, readFileSync(path.join(CORPUS, 'ics', name)));
    }
    ws.write('calendar/3-not-a-calendar.ics', 'hello world\n');
    ws.write('calendar/4-good.ics', meeting('good-2@ourco.com'));
    await ws.connect('alice@ourco.com', { mail: 'mail', calendar: 'calendar' }, '2026-03-01T00:00:00Z');

    const report = await ws.sync();
    const c = report.connections[0]!;
    expect(c.mail.linked).toBe(3);
    expect(c.calendar.linked).toBe(2);
    const where = c.errors.map((e) => e.where);
    expect(where).toEqual(
      expect.arrayContaining([
        'INBOX/2-empty.eml',
        'INBOX/4-binary.eml',
        '2-impossible-daily-bysetpos-minimal.ics',
        '3-not-a-calendar.ics',
      ]),
    );
    for (const e of c.errors) expect(e.reason.length).toBeGreaterThan(0);

    const timeline = await ws.timeline('acme');
    expect(
      timeline.items
        .filter((i) => i.kind === 'email')
        .map((i) => i.subject)
        .sort(),
    ).toEqual(['Good 1', 'Good 3', 'Good 5']);
    expect(
      timeline.items
        .filter((i) => i.kind === 'meeting')
        .map((i) => i.uid)
        .sort(),
    ).toEqual(['good-1@ourco.com', 'good-2@ourco.com']);
  });
});
