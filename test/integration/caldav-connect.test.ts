// `touchpoint connect caldav`: the password only ever comes from an environment variable,
// is checked against the server before anything is stored, is stored encrypted, and every
// mistake is one plain line on stderr that never shows it.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectUserError } from '../support/cli.js';
import {
  CalDavAccount,
  connectCalDavArgs,
  RadicaleServer,
  RecordingWorkspace,
  SERVER_SETUP_MS,
  setPasswordEnv,
  TEST_SECRET_KEY,
} from '../support/caldav-server.js';

const ALICE = 'alice@ourco.com';
const PASSWORD = 'connect-test-Password-0042';
const AUTH = '2026-03-01T00:00:00Z';

const w = new RecordingWorkspace('2026-03-20T12:00:00Z', 'touchpoint-caldav-connect-');
let server: RadicaleServer;
const args = (over: Partial<Parameters<typeof connectCalDavArgs>[1]> = {}) =>
  connectCalDavArgs(server, { teammate: ALICE, user: 'alice', passwordEnv: 'CALDAV_PW', authorizedAt: AUTH, ...over });

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD } });
  await new CalDavAccount(server, 'alice', PASSWORD).makeCalendar('work', 'Work');
  await w.init();
  await w.teammate(ALICE);
  setPasswordEnv(w, 'CALDAV_PW', PASSWORD);
}, SERVER_SETUP_MS);

afterAll(async () => {
  await server?.close();
  w.cleanup();
});

describe('connect caldav', () => {
  it('without TOUCHPOINT_SECRET_KEY: one clear line, nothing stored', async () => {
    w.env.TOUCHPOINT_SECRET_KEY = undefined;
    try {
      expectUserError(await w.run(args()), /TOUCHPOINT_SECRET_KEY is not set/);
    } finally {
      w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
    }
    expect((await w.status()).connections).toEqual([]);
  });

  it('the variable named by --password-env must be set; a password given in its place is refused', async () => {
    expectUserError(await w.run(args({ passwordEnv: 'NO_SUCH_VARIABLE' })), /environment variable NO_SUCH_VARIABLE is not set/);
    const r = await w.run(args({ passwordEnv: 'hunter2!' }));
    expectUserError(r, /NAME of an environment variable/);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('a URL with credentials in it, or plain http to another machine, is refused', async () => {
    expectUserError(
      await w.run(args({ url: `http://alice:${PASSWORD}@127.0.0.1:${server.port}/` })),
      /must not contain a user name or password/,
    );
    expectUserError(await w.run(args({ url: 'http://caldav.example.com/' })), /use https:\/\/ .*clear text/);
  });

  it('a wrong password is caught now, not at the first sync: nothing stored', async () => {
    setPasswordEnv(w, 'WRONG_PW', 'not-the-right-one');
    expectUserError(await w.run(args({ passwordEnv: 'WRONG_PW' })), /rejected the user name or password for alice\. Nothing was stored/);
    expectUserError(await w.run(args({ url: 'http://127.0.0.1:9/' })), /could not reach the CalDAV server.*--no-verify/);
    expect((await w.status()).connections).toEqual([]);
  });

  it('the right password: connected, the calendars named, the password encrypted in the database', async () => {
    const out = await w.ok(args());
    expect(out).toMatch(/Connected CalDAV calendar for alice@ourco\.com: connection \S+ \(calendars: Work\)/);
    const d = new Database(w.db, { readonly: true });
    const row = d.prepare("SELECT config, secret_enc FROM connections WHERE provider = 'caldav'").get() as {
      config: string;
      secret_enc: string;
    };
    d.close();
    expect(JSON.parse(row.config)).toEqual({ url: server.url, user: 'alice' });
    expect(row.secret_enc).toMatch(/^v1:/);
    expect(row.secret_enc).not.toContain(PASSWORD);
    // Not in the database file at all (WAL included), nor in any output.
    for (const f of [w.db, `${w.db}-wal`]) {
      let bytes = '';
      try {
        bytes = readFileSync(f).toString('latin1');
      } catch {
        continue;
      }
      expect(bytes).not.toContain(PASSWORD);
    }
    for (const o of w.outputs) expect(o).not.toContain(PASSWORD);
  });

  it('syncing with a different TOUCHPOINT_SECRET_KEY fails in plain words (an error, not a re-authorization)', async () => {
    w.env.TOUCHPOINT_SECRET_KEY = 'a different passphrase that is long enough 99';
    try {
      const s = await w.sync();
      expect(s.connections[0]!.status).toBe('error');
      expect(s.connections[0]!.failure).toMatch(/cannot read the stored CalDAV password: .*another key/);
    } finally {
      w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
    }
  });
});
