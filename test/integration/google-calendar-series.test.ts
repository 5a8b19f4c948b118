// Google Calendar recurring meetings through the CLI and the real @googleapis/calendar client:
// the emulator stores each series as its master (RRULE) and expands it for singleEvents=true
// (test/emulators/google-series.ts cites the reference pages). One instance moved, one
// cancelled, and a whole series deleted — whose cancelled instances Google reports only about
// six months ahead, while every later occurrence must end on the timeline too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleEmulator, type GEvent } from '../emulators/google.js';
import { failedCodes, meetingKeys, Workspace } from '../support/cli.js';
import { TEST_SECRET_KEY } from '../support/imap.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const LATER = '2026-03-21T12:00:00Z';
const ALICE = 'alice@ourco.com';

const g = new GoogleEmulator();
const w = new Workspace(NOW, 'tp-gcal-series-');

function series(id: string, start: string, rrule: string): GEvent & { recurrence: string[] } {
  const s = new Date(start);
  return {
    id,
    iCalUID: `${id}@google.com`,
    status: 'confirmed',
    summary: id,
    start: { dateTime: s.toISOString(), timeZone: 'UTC' },
    end: { dateTime: new Date(s.getTime() + 30 * 60_000).toISOString(), timeZone: 'UTC' },
    organizer: { email: ALICE, self: true },
    attendees: [{ email: 'jane@acme.com', responseStatus: 'accepted' }],
    recurrence: [rrule],
  };
}

const explain = (id: string, at: string, now = LATER) => w.explainMeeting(`${id}@google.com`, at, { now });

beforeAll(async () => {
  await g.start();
  g.nowMs = () => Date.parse(NOW);
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.TOUCHPOINT_GOOGLE_CLIENT_ID = 'test-client.apps.googleusercontent.com';
  w.env.TOUCHPOINT_GOOGLE_CLIENT_SECRET = 'test-client-secret';
  w.env.TOUCHPOINT_GOOGLE_TOKEN_URL = g.tokenUrl;
  w.env.TOUCHPOINT_GOOGLE_ROOT_URL = g.rootUrl;
  w.env.ALICE_GCAL_TOKEN = g.issueRefreshToken();
  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE);
  await w.account('acme', 'Acme Corp');
  await w.users(['account_id,email,name,external_id', 'acme,jane@acme.com,Jane,'].join('\n'));

  // Open-ended weekly series: Mondays 10:00 and Wednesdays 14:00, plus one that ends with an EXDATE.
  g.putSeries(series('standup', '2026-03-02T10:00:00Z', 'RRULE:FREQ=WEEKLY'));
  g.putSeries(series('review', '2026-03-04T14:00:00Z', 'RRULE:FREQ=WEEKLY'));
  g.putSeries({
    ...series('sprint', '2026-03-03T09:00:00Z', 'RRULE:FREQ=WEEKLY;COUNT=4'),
    recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE:20260317T090000Z'],
  });
  await w.ok(['connect', 'google-calendar', '--teammate', ALICE, '--token-env', 'ALICE_GCAL_TOKEN', '--authorized-at', AUTH]);
  const first = await w.sync();
  expect(first.connections[0]).toMatchObject({ status: 'active', errors: [] });
}, 300_000);

afterAll(async () => {
  await g.stop();
  w.cleanup();
});

describe('Google Calendar series (singleEvents=true expanded by the emulator)', () => {
  it('every instance of a series is its own meeting, past ones logged, later ones upcoming; EXDATE leaves a gap', async () => {
    expect((await explain('standup', '2026-03-09T10:00:00Z', NOW)).outcome).toBe('linked');
    expect(failedCodes(await explain('standup', '2026-12-07T10:00:00Z', NOW))).toEqual(['M3_NOT_STARTED']);
    expect((await explain('sprint', '2026-03-10T09:00:00Z', NOW)).outcome).toBe('linked');
    expect((await explain('sprint', '2026-03-24T09:00:00Z', NOW)).occurrence).toBe('2026-03-24T09:00:00.000Z');
    // The EXDATE took 17 March out: the timeline has the two before it only.
    const sprint = meetingKeys(await w.timeline('acme', { now: NOW })).filter((k) => k.startsWith('sprint@'));
    expect(sprint).toEqual(['sprint@google.com@2026-03-03T09:00:00.000Z', 'sprint@google.com@2026-03-10T09:00:00.000Z']);
  }, 300_000);

  it('one instance moved and one cancelled: those two change, the series goes on', async () => {
    g.nowMs = () => Date.parse(LATER);
    g.updateInstance('review', '2026-04-15T14:00:00Z', {
      start: { dateTime: '2026-04-16T09:00:00Z', timeZone: 'UTC' },
      end: { dateTime: '2026-04-16T09:30:00Z', timeZone: 'UTC' },
      summary: 'review (moved)',
    });
    g.cancelInstance('review', '2026-04-08T14:00:00Z');
    const s = await w.sync({ now: LATER });
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(failedCodes(await explain('review', '2026-04-08T14:00:00Z'))).toEqual(['M3_CANCELLED']);
    expect(failedCodes(await explain('review', '2026-04-15T14:00:00Z'))).toEqual(['M3_CANCELLED']);
    const moved = await explain('review', '2026-04-16T09:00:00Z');
    expect(failedCodes(moved)).toEqual(['M3_NOT_STARTED']);
    expect(failedCodes(await explain('review', '2026-04-22T14:00:00Z'))).toEqual(['M3_NOT_STARTED']);
    expect(failedCodes(await explain('review', '2026-12-09T14:00:00Z'))).toEqual(['M3_NOT_STARTED']);
  }, 300_000);

  it('the whole series deleted: every future occurrence ends, also past the six months Google reports', async () => {
    g.deleteSeries('standup');
    const s = await w.sync({ now: LATER });
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    // Reported cancelled by Google (within ~6 months of the deletion) …
    expect(failedCodes(await explain('standup', '2026-04-06T10:00:00Z'))).toEqual(['M3_CANCELLED']);
    // … and not reported: only the sync's own rule ends them.
    expect(failedCodes(await explain('standup', '2026-10-05T10:00:00Z'))).toEqual(['M3_CANCELLED']);
    expect(failedCodes(await explain('standup', '2027-03-15T10:00:00Z'))).toEqual(['M3_CANCELLED']);
    // A meeting that already happened stays logged (M3: cancelled after it started).
    expect((await explain('standup', '2026-03-09T10:00:00Z')).outcome).toBe('linked');
    // The other series are untouched.
    expect(failedCodes(await explain('review', '2026-12-09T14:00:00Z'))).toEqual(['M3_NOT_STARTED']);
  }, 300_000);

  it('a full re-listing after 410 (showDeleted) does not bring the deleted series back', async () => {
    g.expireSyncTokens();
    const s = await w.sync({ now: LATER });
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(failedCodes(await explain('standup', '2027-03-15T10:00:00Z'))).toEqual(['M3_CANCELLED']);
    expect(failedCodes(await explain('review', '2026-04-08T14:00:00Z'))).toEqual(['M3_CANCELLED']);
  }, 300_000);
});
