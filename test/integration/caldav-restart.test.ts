// Radicale dies in the middle of a sync and comes back: the interrupted sync keeps what it
// stored (each page commits with its cursor), reports a network problem in plain words, and
// the next sync reads only what is missing — every meeting exactly once.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withContext } from '../../src/cli/context.js';
import { syncAll, type SyncReport } from '../../src/sync/run-sync.js';
import { ics, meetingKeys } from '../support/cli.js';
import { CalDavAccount, connectCalDavArgs, RadicaleServer, RecordingWorkspace, setPasswordEnv } from '../support/caldav-server.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const PASSWORD = 'restart-test-password-55';
const EVENTS = 60;
const PAGE = 10;

const w = new RecordingWorkspace(NOW, 'touchpoint-caldav-restart-');
let server: RadicaleServer;
let connectionId: string;
let interrupted: SyncReport;
let storedWhenKilled = 0;

const meetingCount = () => {
  const d = new Database(w.db, { readonly: true });
  try {
    return (d.prepare('SELECT count(*) AS n FROM meetings').get() as { n: number }).n;
  } finally {
    d.close();
  }
};

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD } });
  const cal = new CalDavAccount(server, 'alice', PASSWORD);
  await cal.makeCalendar('work');
  for (let i = 0; i < EVENTS; i++) {
    const day = String(2 + Math.floor(i / 4)).padStart(2, '0');
    const hour = String(9 + (i % 4) * 2).padStart(2, '0');
    await cal.put('work', `e${i}.ics`, ics({ uid: `e${i}`, start: `202603${day}T${hour}0000Z`, organizer: ALICE, attendees: [{ email: 'jane@acme.com', partstat: 'ACCEPTED' }] }));
  }
  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE);
  await w.account('acme', 'Acme Corp');
  await w.users('account_id,email,name,external_id\nacme,jane@acme.com,Jane,');
  setPasswordEnv('CALDAV_PW', PASSWORD);
  const out = await w.ok(connectCalDavArgs(server, { teammate: ALICE, user: 'alice', passwordEnv: 'CALDAV_PW', authorizedAt: AUTH, extra: ['--page-size', String(PAGE)] }));
  connectionId = /connection (\S+)/.exec(out)![1]!;

  // The sync runs in this process so the server can be killed between two of its pages:
  // the progress callback fires after a page has committed, and killNow() returns only
  // once Radicale is dead, so the very next request finds no server.
  await withContext({ db: w.db, now: NOW }, async (ctx) => {
    const [report] = await syncAll(ctx, connectionId, {
      onProgress: (p) => {
        if (p.stream === 'calendar' && p.done >= 2 * PAGE && !storedWhenKilled) {
          server.killNow();
          storedWhenKilled = p.done;
        }
      },
    });
    interrupted = report!;
  });
});

afterAll(async () => {
  await server?.close();
  w.cleanup();
});

describe('Radicale killed mid-sync, then restarted', () => {
  it('the interrupted sync kept the pages it had stored and says the server could not be reached', async () => {
    expect(storedWhenKilled).toBe(2 * PAGE);
    expect(interrupted.failure).toMatch(/could not reach the CalDAV server for alice at 127\.0\.0\.1:\d+: the connection was refused/);
    expect(meetingCount()).toBe(2 * PAGE);
    const st = (await w.status()).connections[0]!;
    // A network problem is retried at the next sync: the connection stays active.
    expect(st.status).toBe('active');
    expect(st.lastError).toMatch(/could not reach the CalDAV server/);
  });

  it('the next sync after the restart reads only the missing events: each meeting exactly once', async () => {
    await server.start();
    const s = await w.sync();
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(s.connections[0]!.calendar.linked).toBe(EVENTS - 2 * PAGE);
    expect(meetingCount()).toBe(EVENTS);
    const keys = meetingKeys(await w.timeline('acme'));
    expect(keys).toHaveLength(EVENTS);
    expect(new Set(keys).size).toBe(EVENTS);
    expect((await w.status()).connections[0]).toMatchObject({ status: 'active', lastError: null });
    expect((await w.sync()).connections[0]!.calendar).toEqual({ linked: 0, notLinked: 0, upcoming: 0 });
  });
});
