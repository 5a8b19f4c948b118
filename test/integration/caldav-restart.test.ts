// Radicale dies in the middle of a sync and comes back: the interrupted sync keeps what it
// stored (each page commits with its cursor), reports a network problem in plain words, and
// the next sync reads only what is missing — every meeting exactly once. Once with RFC 6578
// sync-collection (the server dies between two calendars), once on the ctag/etag path (it
// dies between two calendar-multiget pages of one calendar).
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withContext } from '../../src/cli/context.js';
import { syncAll, type SyncReport } from '../../src/sync/run-sync.js';
import { ics, meetingKeys } from '../support/cli.js';
import { testConfig, testGlobals } from '../support/config.js';
import {
  CalDavAccount,
  connectCalDavArgs,
  RadicaleServer,
  RecordingWorkspace,
  SERVER_SETUP_MS,
  setPasswordEnv,
  TEST_SECRET_KEY,
} from '../support/caldav-server.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const PASSWORD = 'restart-test-password-55';
const PAGE = 10;

let server: RadicaleServer;

const event = (uid: string, i: number) => {
  const day = String(2 + Math.floor(i / 4)).padStart(2, '0');
  const hour = String(9 + (i % 4) * 2).padStart(2, '0');
  return ics({ uid, start: `202603${day}T${hour}0000Z`, organizer: ALICE, attendees: [{ email: 'jane@acme.com', partstat: 'ACCEPTED' }] });
};

function meetingCount(w: RecordingWorkspace): number {
  const d = new Database(w.db, { readonly: true });
  try {
    return (d.prepare('SELECT count(*) AS n FROM meetings').get() as { n: number }).n;
  } finally {
    d.close();
  }
}

/** A workspace with Alice's CalDAV calendar connected (pages of PAGE events). */
async function workspace(user: string): Promise<{ w: RecordingWorkspace; id: string }> {
  const w = new RecordingWorkspace(NOW, 'touchpoint-caldav-restart-');
  setPasswordEnv(w, 'CALDAV_PW', PASSWORD);
  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE);
  await w.account('acme', 'Acme Corp');
  await w.users('account_id,email,name,external_id\nacme,jane@acme.com,Jane,');
  const out = await w.ok(
    connectCalDavArgs(server, {
      teammate: ALICE,
      user,
      passwordEnv: 'CALDAV_PW',
      authorizedAt: AUTH,
      extra: ['--page-size', String(PAGE)],
    }),
  );
  return { w, id: /connection (\S+)/.exec(out)![1]! };
}

/**
 * Syncs in this process so the server can be killed between two pages: the progress callback
 * fires after a page has committed, and killNow() returns only once Radicale is dead, so the
 * very next request finds no server.
 */
async function syncKillingAfter(w: RecordingWorkspace, id: string, stored: number): Promise<{ report: SyncReport; killedAt: number }> {
  let killedAt = 0;
  const report = await withContext({ db: w.db, now: NOW, ...testGlobals(testConfig({ secretKey: TEST_SECRET_KEY })) }, async (ctx) => {
    const [r] = await syncAll(ctx, id, {
      onProgress: (p) => {
        if (p.stream === 'calendar' && p.done >= stored && !killedAt) {
          server.killNow();
          killedAt = p.done;
        }
      },
    });
    return r!;
  });
  return { report, killedAt };
}

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD, alice2: PASSWORD } });
}, SERVER_SETUP_MS);

afterAll(async () => {
  await server?.close();
});

describe('sync-collection: Radicale killed between two calendars, then restarted', () => {
  let w: RecordingWorkspace;
  let id: string;
  let run: { report: SyncReport; killedAt: number };

  beforeAll(async () => {
    const cal = new CalDavAccount(server, 'alice', PASSWORD);
    await cal.makeCalendar('a');
    await cal.makeCalendar('b');
    for (let i = 0; i < 30; i++) await cal.put('a', `a${i}.ics`, event(`a${i}`, i));
    for (let i = 0; i < 30; i++) await cal.put('b', `b${i}.ics`, event(`b${i}`, i));
    ({ w, id } = await workspace('alice'));
    run = await syncKillingAfter(w, id, 30); // calendar a: three pages, all stored
  }, SERVER_SETUP_MS);
  afterAll(() => w?.cleanup());

  it('the interrupted sync kept calendar a and says the server could not be reached', async () => {
    expect(run.killedAt).toBe(30);
    expect(run.report.failure).toMatch(/could not reach the CalDAV server for alice at 127\.0\.0\.1:\d+: could not connect/);
    expect(meetingCount(w)).toBe(30);
    const st = (await w.status()).connections[0]!;
    // A network problem is retried at the next sync: the connection stays active.
    expect(st.status).toBe('active');
    expect(st.lastError).toMatch(/could not reach the CalDAV server/);
  });

  it('after the restart the next sync reads calendar b only: each meeting exactly once', async () => {
    await server.start();
    const s = await w.sync();
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(s.connections[0]!.calendar.linked).toBe(30);
    expect(meetingCount(w)).toBe(60);
    const keys = meetingKeys(await w.timeline('acme', { limit: 1000 }));
    expect(new Set(keys).size).toBe(60);
    expect((await w.status()).connections[0]).toMatchObject({ status: 'active', lastError: null });
    expect((await w.sync()).connections[0]!.calendar).toEqual({ linked: 0, notLinked: 0, upcoming: 0 });
  });
});

describe('ctag/etag path: Radicale killed between two multiget pages of one calendar, then restarted', () => {
  let w: RecordingWorkspace;
  let id: string;
  let run: { report: SyncReport; killedAt: number };

  beforeAll(async () => {
    const cal = new CalDavAccount(server, 'alice2', PASSWORD);
    await cal.makeCalendar('work');
    for (let i = 0; i < 30; i++) await cal.put('work', `e${i}.ics`, event(`e${i}`, i));
    ({ w, id } = await workspace('alice2'));
    // As with a server that lacks sync-collection (the connector's tuning switch).
    const d = new Database(w.db);
    const row = d.prepare('SELECT config FROM connections WHERE id = ?').get(id) as { config: string };
    d.prepare('UPDATE connections SET config = ? WHERE id = ?').run(
      JSON.stringify({ ...JSON.parse(row.config), syncCollection: false }),
      id,
    );
    d.close();
    run = await syncKillingAfter(w, id, 2 * PAGE);
  }, SERVER_SETUP_MS);
  afterAll(() => w?.cleanup());

  it('the interrupted sync kept its first two pages and reports the network error', () => {
    expect(run.killedAt).toBe(2 * PAGE);
    expect(run.report.failure).toMatch(/could not reach the CalDAV server/);
    expect(meetingCount(w)).toBe(2 * PAGE);
  });

  it('after the restart the etag diff reads only the 10 missing events: each meeting exactly once', async () => {
    await server.start();
    const s = await w.sync();
    expect(s.connections[0]).toMatchObject({ status: 'active', errors: [] });
    expect(s.connections[0]!.calendar.linked).toBe(30 - 2 * PAGE);
    expect(meetingCount(w)).toBe(30);
    expect((await w.sync()).connections[0]!.calendar).toEqual({ linked: 0, notLinked: 0, upcoming: 0 });
  });
});
