// CalDAV sync behaviour end to end (Radicale + the CLI): incremental syncs read only what
// changed, deletions before and after a meeting's start, an invalid or expired sync token
// (full re-sync, no duplicates), and a rejected password (needs_reauth, no secret printed).
import { rmSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedCodes, ics, meetingKeys, type SyncJson } from '../support/cli.js';
import {
  CalDavAccount,
  connectCalDavArgs,
  RadicaleServer,
  RecordingWorkspace,
  SERVER_SETUP_MS,
  setPasswordEnv,
} from '../support/caldav-server.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const PASSWORD = 'first-Radicale-password-91';
const accepted = (email: string) => ({ email, partstat: 'ACCEPTED' });
const meeting = (uid: string, start: string, over: { partstat?: string; summary?: string } = {}) =>
  ics({
    uid,
    start,
    summary: over.summary ?? uid,
    organizer: ALICE,
    attendees: [{ email: 'jane@acme.com', partstat: over.partstat ?? 'ACCEPTED' }],
  });

const w = new RecordingWorkspace(NOW, 'touchpoint-caldav-sync-');
let server: RadicaleServer;
let cal: CalDavAccount;
let connectionId: string;

/** Occurrences the sync decided (each changed object's occurrences are decided again). */
const decided = (s: SyncJson) => {
  const c = s.connections[0]!.calendar;
  return c.linked + c.notLinked + c.upcoming;
};

function db<T>(fn: (d: Database.Database) => T): T {
  const d = new Database(w.db);
  try {
    return fn(d);
  } finally {
    d.close();
  }
}
const meetingCount = () => db((d) => (d.prepare('SELECT count(*) AS n FROM meetings').get() as { n: number }).n);
const objectRefs = () =>
  db((d) => (d.prepare('SELECT ref FROM calendar_objects ORDER BY ref').all() as { ref: string }[]).map((r) => r.ref));

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD } });
  cal = new CalDavAccount(server, 'alice', PASSWORD);
  await cal.makeCalendar('work');
  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE);
  await w.account('acme', 'Acme Corp');
  await w.users('account_id,email,name,external_id\nacme,jane@acme.com,Jane,');
  await cal.put('work', 'past.ics', meeting('past-1', '20260305T150000Z'));
  await cal.put('work', 'happened.ics', meeting('happened-1', '20260306T150000Z'));
  await cal.put('work', 'soon.ics', meeting('soon-1', '20260322T150000Z'));
  await cal.put('work', 'pending.ics', meeting('pending-1', '20260309T150000Z', { partstat: 'NEEDS-ACTION' }));
  await cal.put(
    'work',
    'weekly.ics',
    ics({
      uid: 'weekly-1',
      start: '20260302T100000Z',
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      organizer: ALICE,
      attendees: [accepted('jane@acme.com')],
    }),
  );
  for (let i = 1; i <= 5; i++) await cal.put('work', `filler-${i}.ics`, meeting(`filler-${i}`, `2026031${i}T090000Z`));
  setPasswordEnv(w, 'CALDAV_PW', PASSWORD);
  const out = await w.ok(connectCalDavArgs(server, { teammate: ALICE, user: 'alice', passwordEnv: 'CALDAV_PW', authorizedAt: AUTH }));
  connectionId = /connection (\S+)/.exec(out)![1]!;
  expect(out).toContain('calendars: work');
  await w.sync();
}, SERVER_SETUP_MS);

afterAll(async () => {
  await server?.close();
  w.cleanup();
});

describe('incremental sync', () => {
  it('nothing changed on the server: nothing is decided again', async () => {
    expect(decided(await w.sync())).toBe(0);
  });

  it('one event changed: only its occurrence is re-read and re-decided', async () => {
    expect((await w.explainMeeting('pending-1')).outcome).toBe('not_linked');
    await cal.put('work', 'pending.ics', meeting('pending-1', '20260309T150000Z', { partstat: 'ACCEPTED' }));
    const s = await w.sync();
    expect(decided(s)).toBe(1);
    expect(s.connections[0]!.calendar.linked).toBe(1);
    expect((await w.explainMeeting('pending-1')).outcome).toBe('linked');
  });
});

describe('deleted events', () => {
  it('deleted before its start: cancelled, and never logged once the time has passed', async () => {
    expect((await w.explainMeeting('soon-1')).outcome).toBe('upcoming');
    await cal.remove('work/soon.ics');
    await w.sync();
    expect(failedCodes(await w.explainMeeting('soon-1'))).toEqual(['M3_CANCELLED']);
    const later = '2026-03-23T00:00:00Z';
    await w.sync({ now: later });
    expect(meetingKeys(await w.timeline('acme', { now: later })).some((k) => k.startsWith('soon-1@'))).toBe(false);
  });

  it('deleted after it happened: stays logged', async () => {
    await cal.remove('work/happened.ics');
    await w.sync();
    const e = await w.explainMeeting('happened-1');
    expect(e.outcome).toBe('linked');
    expect(meetingKeys(await w.timeline('acme'))).toContain('happened-1@2026-03-06T15:00:00.000Z');
    expect(objectRefs()).not.toContain('/alice/work/happened.ics');
  });
});

describe('an invalid or expired sync token → full re-sync of the calendar, no duplicates', () => {
  it('a corrupted token in the cursors table: changes and deletions made meanwhile are found, nothing is doubled', async () => {
    const meetingsBefore = meetingCount();
    db((d) => {
      const row = d.prepare("SELECT value FROM cursors WHERE connection_id = ? AND stream = 'calendar'").get(connectionId) as {
        value: string;
      };
      const cursor = JSON.parse(row.value);
      expect(cursor.calendars['/alice/work/'].syncToken).toMatch(/^http:\/\/radicale\.org\/ns\/sync\//);
      cursor.calendars['/alice/work/'].syncToken = 'http://radicale.org/ns/sync/not-a-token-any-more';
      d.prepare("UPDATE cursors SET value = ? WHERE connection_id = ? AND stream = 'calendar'").run(JSON.stringify(cursor), connectionId);
    });
    await cal.put('work', 'filler-1.ics', meeting('filler-1', '20260311T090000Z', { summary: 'renamed while the token was bad' }));
    await cal.put('work', 'new-while-bad.ics', meeting('new-1', '20260318T090000Z'));
    await cal.remove('work/filler-2.ics');
    const s = await w.sync();
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    // Only filler-1 and new-1 are read; filler-2 (it already happened) is re-decided as
    // removed — and stays logged. The other objects' etags are unchanged: not read again.
    expect(decided(s)).toBe(3);
    expect(meetingCount()).toBe(meetingsBefore + 1);
    const acme = await w.timeline('acme');
    expect(acme.items.find((i) => i.uid === 'filler-1')!.title).toBe('renamed while the token was bad');
    expect(meetingKeys(acme)).toContain('new-1@2026-03-18T09:00:00.000Z');
    expect(new Set(meetingKeys(acme)).size).toBe(meetingKeys(acme).length);
    expect(objectRefs()).not.toContain('/alice/work/filler-2.ics');
    expect(decided(await w.sync())).toBe(0);
  });

  it('an expired token (the server dropped its token history) is handled the same way', async () => {
    const meetingsBefore = meetingCount();
    const calDir = path.join(server.storage, 'collection-root', 'alice', 'work', '.Radicale.cache');
    expect(readdirSync(calDir)).toContain('sync-token');
    rmSync(path.join(calDir, 'sync-token'), { recursive: true, force: true });
    await cal.put('work', 'filler-3.ics', meeting('filler-3', '20260313T090000Z', { summary: 'changed after expiry' }));
    const s = await w.sync();
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(decided(s)).toBe(1);
    expect(meetingCount()).toBe(meetingsBefore);
    expect(decided(await w.sync())).toBe(0);
  });
});

describe('a rejected password', () => {
  const NEW_PASSWORD = 'second-Radicale-password-42';

  it('puts the connection in needs_reauth with plain words, and never prints the password', async () => {
    server.setPassword('alice', NEW_PASSWORD);
    const s = await w.sync();
    expect(s.connections[0]!.status).toBe('needs_reauth');
    const st = (await w.status()).connections[0]!;
    expect(st.status).toBe('needs_reauth');
    expect(st.statusReason).toMatch(/rejected the user name or password of alice/);
    // Nothing new syncs while it needs re-authorization; what was logged stays logged.
    cal = new CalDavAccount(server, 'alice', NEW_PASSWORD);
    await cal.put('work', 'during-outage.ics', meeting('outage-1', '20260319T090000Z'));
    expect((await w.sync()).connections[0]!.failure).toMatch(/needs re-authorization/);
    expect((await w.explainMeeting('past-1')).outcome).toBe('linked');
  });

  it('after `reauthorize` with the new password, the next sync catches up what happened meanwhile', async () => {
    setPasswordEnv(w, 'CALDAV_PW_NEW', NEW_PASSWORD);
    await w.ok(['reauthorize', '--connection', connectionId, '--password-env', 'CALDAV_PW_NEW']);
    const s = await w.sync();
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    // Authorized since 1 March still: a meeting from the outage is not historic.
    expect((await w.explainMeeting('outage-1')).outcome).toBe('linked');
    expect((await w.status()).connections[0]).toMatchObject({ status: 'active', statusReason: null, lastError: null });
  });

  it('no output of the whole run shows either password', () => {
    expect(w.outputs.length).toBeGreaterThan(30);
    for (const out of w.outputs) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(NEW_PASSWORD);
    }
  });
});
