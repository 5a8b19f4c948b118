// Failures an IMAP sync must survive without losing or doubling mail: the sync process
// killed with SIGKILL mid-initial-sync, the server restarted mid-sync, and a password that
// stops working (needs re-authorization, then the outage is caught up, not historic).
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { check, eml, expectUserError, spawnSync, Workspace, type StatusJson, type SyncJson } from '../support/cli.js';
import {
  connectImap,
  deliver,
  eventually,
  startMailServer,
  TEST_SECRET_KEY,
  writeMaildir,
  type Delivery,
  type Dovecot,
} from '../support/imap.js';

// Each step spawns the CLI or a server; on a loaded 2-core machine a test can take minutes.
vi.setConfig({ testTimeout: 240_000 });

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
let d: Dovecot;

function many(user: string, n: number): Delivery[] {
  return Array.from({ length: n }, (_, i) => ({
    // Every 10th message is from an end user, so linked mail (with a body download) is in the mix.
    raw: eml({
      from: i % 10 === 0 ? 'john@acme.com' : `someone${i}@elsewhere.org`,
      to: `${user}@ourco.com`,
      date: '2026-03-05T10:00:00Z',
      messageId: `${user}-${i}@mail.test`,
      body: `message ${i}`,
    }),
    at: new Date(Date.parse('2026-03-02T00:00:00Z') + i * 60_000),
  }));
}

async function workspaceFor(user: string, pageSize: number): Promise<{ w: Workspace; id: string }> {
  const w = new Workspace(NOW, `tp-imap-${user}-`);
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  await w.init();
  await w.teammate(`${user}@ourco.com`);
  await w.account('acme');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'john@acme.com']);
  w.env[`PW_${user.toUpperCase()}`] = `pw-${user}`;
  const id = await connectImap(w, d, {
    teammate: `${user}@ourco.com`,
    user,
    passwordEnv: `PW_${user.toUpperCase()}`,
    authorizedAt: AUTH,
    pageSize,
  });
  return { w, id };
}

function query<T>(w: Workspace, sql: string): T[] {
  const db = new Database(w.db, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const storedUid = (w: Workspace): number => {
  const [row] = query<{ value: string }>(w, "SELECT value FROM cursors WHERE stream = 'mail'");
  return row ? ((JSON.parse(row.value) as { folders: { INBOX?: { highestUid: number } } }).folders.INBOX?.highestUid ?? 0) : 0;
};

/** Every message exactly once: one email row and one sighting per delivered message. */
function expectEachOnce(w: Workspace, user: string, n: number): void {
  const [counts] = query<{ emails: number; distinct_ids: number; sightings: number }>(
    w,
    `SELECT (SELECT COUNT(*) FROM emails) AS emails, (SELECT COUNT(DISTINCT message_id) FROM emails) AS distinct_ids, (SELECT COUNT(*) FROM ` +
      `email_sightings) AS sightings`,
  );
  expect(counts).toEqual({ emails: n, distinct_ids: n, sightings: n });
  const linked = query<{ n: number }>(w, "SELECT COUNT(*) AS n FROM emails WHERE outcome = 'linked' AND body_text IS NOT NULL")[0]!.n;
  expect(linked).toBe(Math.ceil(n / 10));
  expect(query<{ id: string }>(w, `SELECT message_id AS id FROM emails WHERE message_id NOT LIKE '${user}-%'`)).toEqual([]);
}

beforeAll(async () => {
  d = await startMailServer({ users: { kill: 'pw-kill', restart: 'pw-restart', reauth: 'pw-reauth' } });
  // A fresh machine installs Dovecot first (apt-get), which can take a while.
}, 300_000);

afterAll(async () => {
  await d?.stop();
});

describe('IMAP sync recovery', () => {
  it('SIGKILL mid-initial-sync, then sync again: every message exactly once', async () => {
    const N = 3000;
    writeMaildir(d, 'kill', many('kill', N));
    const { w } = await workspaceFor('kill', 100);
    const { p, done } = spawnSync(w);
    // Kill it once a few pages are stored.
    await eventually(async () => storedUid(w) >= 300, 60_000, 20);
    p.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const atKill = storedUid(w);
    expect(atKill).toBeLessThan(N);
    const again: SyncJson = JSON.parse(await w.ok(['sync', '--json']));
    expect(again.connections[0]!.status).toBe('active');
    // The restart reads at most what the killed run had not committed.
    expect(again.connections[0]!.mail.seen).toBe(N - atKill);
    expectEachOnce(w, 'kill', N);
    expect(storedUid(w)).toBe(N);
    w.cleanup();
  });

  it('the server restarted mid-sync: the sync reconnects and finishes, every message once', async () => {
    const N = 2000;
    writeMaildir(d, 'restart', many('restart', N));
    const { w } = await workspaceFor('restart', 100);
    const { done } = spawnSync(w);
    await eventually(async () => storedUid(w) >= 200, 60_000, 20);
    await d.restart();
    const r = await done;
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as SyncJson;
    expect(report.connections[0]).toMatchObject({ status: 'active', mail: { seen: N } });
    expectEachOnce(w, 'restart', N);
    w.cleanup();
  });

  it('wrong password → needs_reauth in plain words; reauthorize → the outage is caught up, not historic', async () => {
    const { w, id } = await workspaceFor('reauth', 100);
    await deliver(d, 'reauth', 'pw-reauth', [
      {
        raw: eml({ from: 'john@acme.com', to: 'reauth@ourco.com', date: '2026-03-05T10:00:00Z', messageId: 'before-outage@acme.com' }),
        at: '2026-03-05T10:00:00Z',
      },
    ]);
    expect((await w.sync({ now: '2026-03-06T00:00:00Z' })).connections[0]!.mail.linked).toBe(1);
    // The password is changed on the server (or the app password revoked).
    await d.setPassword('reauth', 'pw-reauth-new');
    await deliver(d, 'reauth', 'pw-reauth-new', [
      {
        raw: eml({ from: 'john@acme.com', to: 'reauth@ourco.com', date: '2026-03-08T10:00:00Z', messageId: 'during-outage@acme.com' }),
        at: '2026-03-08T10:00:00Z',
      },
    ]);
    const failed = await w.sync({ now: '2026-03-09T00:00:00Z' });
    expect(failed.connections[0]!.status).toBe('needs_reauth');
    const st = await w.status({ now: '2026-03-09T00:00:00Z' });
    const conn = st.connections.find((c) => c.id === id)!;
    expect(conn.status).toBe('needs_reauth');
    expect(conn.statusReason).toMatch(/rejected the user name or password/);
    // E1: nothing new syncs while it needs re-authorization.
    expect((await w.run(['explain', 'email', 'during-outage@acme.com', '--json'])).stdout).toMatch(/"outcome": "unknown"/);

    // A wrong new password is refused and changes nothing.
    w.env.PW_REAUTH_WRONG = 'still-wrong';
    expectUserError(
      await w.run(['reauthorize', '--connection', id, '--password-env', 'PW_REAUTH_WRONG']),
      /rejected the user name or password.*; nothing was saved/,
    );
    expect((await w.status()).connections[0]!.status).toBe('needs_reauth');

    w.env.PW_REAUTH_NEW = 'pw-reauth-new';
    await w.ok(['reauthorize', '--connection', id, '--password-env', 'PW_REAUTH_NEW'], { now: '2026-03-10T00:00:00Z' });
    const after: StatusJson = await w.status({ now: '2026-03-10T00:00:00Z' });
    expect(after.connections[0]).toMatchObject({ status: 'active', authorizedAt: '2026-03-01T00:00:00.000Z', statusReason: null });
    const caught = await w.sync({ now: '2026-03-10T00:05:00Z' });
    expect(caught.connections[0]!.mail).toMatchObject({ seen: 1, linked: 1 });
    const e = await w.explainEmail('during-outage@acme.com', { now: '2026-03-10T00:05:00Z' });
    expect(e.outcome).toBe('linked');
    expect(check(e, 'E2').code).toBe('E2_AFTER_AUTHORIZATION');
    expect(check(e, 'E7').detail).toMatch(/caught up/);
    w.cleanup();
  });

  it('connect imap without TOUCHPOINT_SECRET_KEY or its secret, reauthorize/watch of an unknown connection: one clear line', async () => {
    const w = new Workspace(NOW, 'tp-imap-keyless-');
    w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
    await w.init();
    await w.teammate('alice@ourco.com');
    const args = [
      'connect',
      'imap',
      '--teammate',
      'alice@ourco.com',
      '--host',
      d.host,
      '--port',
      String(d.port),
      '--plain',
      '--user',
      'reauth',
      '--authorized-at',
      AUTH,
    ];
    const saved = w.env.TOUCHPOINT_SECRET_KEY;
    w.env.TOUCHPOINT_SECRET_KEY = undefined;
    try {
      w.env.PW_X = 'pw-reauth-new';
      expectUserError(await w.run([...args, '--password-env', 'PW_X']), /TOUCHPOINT_SECRET_KEY is not set/);
    } finally {
      w.env.TOUCHPOINT_SECRET_KEY = saved;
    }
    expectUserError(await w.run([...args, '--password-env', 'PW_NOT_SET_ANYWHERE']), /PW_NOT_SET_ANYWHERE is not set/);
    expectUserError(await w.run([...args, '--password-env', 'pw-reauth-new!']), /NAME of an environment variable/);
    expectUserError(await w.run(['reauthorize', '--connection', 'nope', '--password-env', 'PW_X']), /no connection "nope"/);
    expectUserError(await w.run(['watch', '--connection', 'nope']), /no connection "nope"/);
    w.cleanup();
  });
});
