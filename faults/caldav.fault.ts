// CalDAV faults on a real Radicale: the sync process SIGKILLed at random points of an
// initial sync, the server killed and restarted in the middle of one, and the server
// forgetting its sync tokens (RFC 6578 token no longer valid → one full re-sync).
// Every meeting occurrence must end up stored exactly once.
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ics, Workspace } from '../test/support/cli.js';
import { CalDavAccount, connectCalDavArgs, RadicaleServer, SERVER_SETUP_MS, setPasswordEnv } from '../test/support/caldav-server.js';
import { allHealthy, meetingCensus, prng, query, QUICK, record, SEED } from './ledger.js';
import { killPoints, sleep, spawnSync, syncSucceeded, whenCount } from './support.js';

const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const PASSWORD = 'fault-caldav-password-77';
const N = QUICK ? 200 : 1000;
const rand = prng(SEED + 1);
let server: RadicaleServer;

const meetings = async (db: string) => Number((await query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM meetings'))[0]!.n);
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** N events in Alice's calendar (every 10th a weekly series of 2), Mar 2–19; returns the occurrence keys. */
async function fill(user: string, prefix: string): Promise<string[]> {
  const a = new CalDavAccount(server, user, PASSWORD);
  await a.makeCalendar('work');
  const keys: string[] = [];
  const span = 17 * 24 * 3600_000 - 8 * 24 * 3600_000;
  for (let i = 0; i < N; i++) {
    const start = new Date(Date.parse('2026-03-02T08:00:00Z') + Math.floor((i * span) / N / 60_000) * 60_000);
    const uid = `${prefix}-${i}@caldav.test`;
    const series = i % 10 === 0;
    await a.put(
      'work',
      `${prefix}-${i}.ics`,
      ics({
        uid,
        start: stamp(start),
        end: stamp(new Date(start.getTime() + 1800_000)),
        organizer: ALICE,
        attendees: [{ email: 'jane@acme.com', partstat: 'ACCEPTED' }],
        ...(series ? { rrule: 'FREQ=WEEKLY;COUNT=2' } : {}),
      }),
    );
    keys.push(`${uid}@${start.toISOString()}`);
    if (series) keys.push(`${uid}@${new Date(start.getTime() + 7 * 24 * 3600_000).toISOString()}`);
  }
  return keys;
}

async function workspace(user: string): Promise<Workspace> {
  const w = new Workspace(NOW, `tp-fault-caldav-${user}-`);
  setPasswordEnv(w, 'CALDAV_PW', PASSWORD);
  await w.init();
  await w.teammate(ALICE);
  await w.account('acme');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'jane@acme.com']);
  await w.ok(
    connectCalDavArgs(server, {
      teammate: ALICE,
      user,
      passwordEnv: 'CALDAV_PW',
      authorizedAt: '2026-03-01T00:00:00Z',
      extra: ['--page-size', '25'],
    }),
  );
  return w;
}

async function recover(w: Workspace): Promise<number> {
  for (let i = 1; i <= 3; i++) {
    const r = await w.run(['sync', '--json']);
    if (syncSucceeded(r)) return i;
    await sleep(1000);
  }
  return 3;
}

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { kill: PASSWORD, restart: PASSWORD, token: PASSWORD } });
}, SERVER_SETUP_MS);

afterAll(async () => {
  await server?.close();
});

describe(`CalDAV faults (seed ${SEED + 1})`, () => {
  it('SIGKILL of the sync process at random points of an initial sync', async () => {
    const keys = await fill('kill', 'k');
    const w = await workspace('kill');
    const at: string[] = [];
    for (const f of killPoints(rand, 3)) {
      const target = Math.max(Math.floor(f * keys.length), (await meetings(w.db).catch(() => 0)) + 1);
      const run = spawnSync(w);
      const n = await whenCount(
        run,
        () => meetings(w.db),
        target,
        () => {
          run.p.kill('SIGKILL');
        },
      );
      await run.done;
      at.push(n === null ? 'sync ended first' : `${n}/${keys.length}`);
    }
    await recover(w);
    const c = await meetingCensus(w.db, keys);
    record(
      {
        scenario: 'CalDAV initial sync, sync process SIGKILLed',
        faults: `3 × SIGKILL at ${at.join(', ')} occurrences stored`,
        expected: keys.length,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(w.db),
      },
      c,
    );
    w.cleanup();
  });

  it('Radicale killed mid-sync and back 2 s later', async () => {
    const keys = await fill('restart', 'r');
    const w = await workspace('restart');
    const run = spawnSync(w);
    const n = await whenCount(
      run,
      () => meetings(w.db),
      Math.floor((0.2 + rand() * 0.5) * keys.length),
      () => server.killNow(),
    );
    await sleep(2000);
    await server.start();
    const r = await run.done;
    const syncs = await recover(w);
    const c = await meetingCensus(w.db, keys);
    record(
      {
        scenario: 'CalDAV server restarted mid-sync',
        faults:
          `killed at ${n ?? 'end'}/${keys.length}; the running sync ${r.code === 0 ? 'finished' : 'stopped with a network error'}; ` +
          `healthy after ${syncs} more sync(s)`,
        expected: keys.length,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(w.db),
      },
      c,
    );
    w.cleanup();
  });

  it('the server forgets its sync tokens (RFC 6578 token invalid) while new events arrive', async () => {
    const keys = await fill('token', 't');
    const w = await workspace('token');
    await recover(w);
    // Radicale keeps its sync-token history in the collection's cache: without it, every
    // token it gave out is invalid.
    const tokens = `${server.storage}/collection-root/token/work/.Radicale.cache/sync-token`;
    expect(existsSync(tokens), tokens).toBe(true);
    rmSync(tokens, { recursive: true, force: true });
    const a = new CalDavAccount(server, 'token', PASSWORD);
    const extra: string[] = [];
    for (let i = 0; i < 20; i++) {
      const uid = `t-new-${i}@caldav.test`;
      const start = new Date(Date.parse('2026-03-18T08:00:00Z') + i * 1800_000);
      await a.put(
        'work',
        `t-new-${i}.ics`,
        ics({
          uid,
          start: stamp(start),
          end: stamp(new Date(start.getTime() + 1800_000)),
          organizer: ALICE,
          attendees: [{ email: 'jane@acme.com', partstat: 'ACCEPTED' }],
        }),
      );
      extra.push(`${uid}@${start.toISOString()}`);
    }
    const syncs = await recover(w);
    const c = await meetingCensus(w.db, [...keys, ...extra]);
    record(
      {
        scenario: 'CalDAV sync token invalidated',
        faults: `token history deleted, 20 new events; healthy after ${syncs} sync(s)`,
        expected: keys.length + extra.length,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(w.db),
      },
      c,
    );
    w.cleanup();
  });
});
