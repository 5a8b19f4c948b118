// Issue 13, part 2: the live lookup on a real Radicale: a meeting Touchpoint never synced is
// found by a calendar-query REPORT with a time-range (and by UID through a prop-filter), its
// series expanded in the range, and decided with the meeting rules (historic M2 included).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { liveFind } from '../../src/app/live-find.js';
import { CalDavAccount, RadicaleServer, SERVER_SETUP_MS } from '../support/caldav-server.js';
import { liveWorkspace, type LiveWorkspace } from '../support/live-find.js';

vi.setConfig({ testTimeout: 60_000 });

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:00:00Z';
const PASSWORD = 'Radicale-pw-live-alice-4e2b'; // test-only credential for a throwaway Radicale
let server: RadicaleServer;
let w: LiveWorkspace;
let connId = '';

const vevent = (uid: string, title: string, start: string, end: string, extra: string[] = []) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Touchpoint tests//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260201T000000Z',
    `DTSTART:${start}`,
    `DTEND:${end}`,
    `SUMMARY:${title}`,
    'ORGANIZER:mailto:alice@ourco.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@ourco.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:john@acme.com',
    ...extra,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

const unlimited = { take: () => ({ ok: true as const }) };

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD } });
  const cal = new CalDavAccount(server, 'alice', PASSWORD);
  await cal.makeCalendar('work', 'Work');
  await cal.put('work', 'qbr.ics', vevent('qbr-live@ourco.com', 'Acme QBR', '20260305T150000Z', '20260305T160000Z'));
  await cal.put('work', 'kickoff.ics', vevent('kickoff-live@ourco.com', 'Acme kick-off', '20260210T150000Z', '20260210T160000Z'));
  await cal.put(
    'work',
    'weekly.ics',
    vevent('weekly-live@ourco.com', 'Acme weekly', '20260302T090000Z', '20260302T093000Z', ['RRULE:FREQ=WEEKLY;COUNT=4']),
  );
  w = await liveWorkspace(NOW);
  connId = await w.connect({
    provider: 'caldav',
    config: { url: server.url, user: 'alice' },
    secret: PASSWORD,
    authorizedAt: AUTH,
    lastSyncAt: NOW,
    mail: false,
    calendar: true,
  });
}, SERVER_SETUP_MS);

afterAll(async () => {
  await w?.close();
  await server?.stop();
});

describe('CalDAV live lookup on Radicale', () => {
  it('a meeting never synced, found by time range and title', async () => {
    const lf = liveFind(w.deps, { limiter: unlimited, viewer: 'alice@ourco.com' });
    const found = await lf.meetings({ title: 'acme', since: '2026-03-05T00:00:00Z', until: '2026-03-06T00:00:00Z' });
    expect(found.map((c) => c.uid)).toEqual(['qbr-live@ourco.com']);
    const [c] = found;
    expect(c!.live).toBe(true);
    expect(c!.where).toEqual([{ connection: connId, teammate: 'alice@ourco.com', folder: 'Work' }]);
    expect(c!.checks[0]!.code).toBe('M1_LIVE_IN_SYNCED_CALENDAR');
    expect(c!.outcome).toBe('linked');
    expect(c!.accounts.map((a) => a.id)).toEqual(['acme']);
    expect(c!.subject).toBe('Acme QBR');
  });

  it('a series is expanded in the range: each weekly occurrence is its own candidate, newest first', async () => {
    const found = await liveFind(w.deps, { limiter: unlimited }).meetings({
      title: 'weekly',
      since: '2026-03-01T00:00:00Z',
      until: '2026-03-20T00:00:00Z',
    });
    expect(found.map((c) => c.occurrence)).toEqual(['2026-03-16T09:00:00.000Z', '2026-03-09T09:00:00.000Z', '2026-03-02T09:00:00.000Z']);
    expect(found[0]!.outcome).toBe('upcoming');
  });

  it('by UID: a meeting before authorization is historic (M2) with its start', async () => {
    const [c] = await liveFind(w.deps, { limiter: unlimited }).meetings({
      uid: 'kickoff-live@ourco.com',
      since: '2026-01-01T00:00:00Z',
      until: '2026-03-10T00:00:00Z',
    });
    expect(c!.uid).toBe('kickoff-live@ourco.com');
    expect(c!.checks.filter((x) => x.status === 'fail').map((x) => x.code)).toEqual(['M2_HISTORIC']);
    expect(c!.checks.find((x) => x.code === 'M2_HISTORIC')!.detail).toContain('2026-02-10T15:00:00.000Z');
  });

  it('nothing in the range: not in any connected calendar → check with the organizer', async () => {
    const [c] = await liveFind(w.deps, { limiter: unlimited }).meetings({
      title: 'acme',
      since: '2026-04-01T00:00:00Z',
      until: '2026-04-02T00:00:00Z',
    });
    expect(c!.outcome).toBe('unknown');
    expect(c!.checks.map((x) => x.code)).toEqual(['M1_LIVE_NOT_FOUND']);
    expect(c!.remedyCodes).toEqual(['CHECK_MEETING_WITH_ORGANIZER']);
  });
});
