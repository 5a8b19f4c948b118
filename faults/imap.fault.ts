// IMAP faults on a real Dovecot: the sync process SIGKILLed at random points of an initial
// and of an incremental sync, the server restarted mid-sync, and UIDVALIDITY changed
// under a synced mailbox. Each ends with plain `touchpoint sync` runs (what the scheduler
// would do) and a census: every message once, linked ones with their body, healthy again.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Workspace } from '../test/support/cli.js';
import { connectImap, startMailServer, TEST_SECRET_KEY, type Dovecot } from '../test/support/imap.js';
import { allHealthy, emailCensus, prng, query, QUICK, record, SEED } from './ledger.js';
import { emailCount, killPoints, mailFor, type Msg, sleep, spawnSync, syncSucceeded, whenCount } from './support.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const N = QUICK ? 800 : 3000;
const rand = prng(SEED);
let d: Dovecot;

async function mailbox(user: string): Promise<Workspace> {
  const w = new Workspace(NOW, `tp-fault-${user}-`);
  await w.init();
  await w.teammate(`${user}@ourco.com`);
  await w.account('acme');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'john@acme.com']);
  process.env[`PW_${user.toUpperCase()}`] = `pw-${user}`;
  await connectImap(w, d, {
    teammate: `${user}@ourco.com`,
    user,
    passwordEnv: `PW_${user.toUpperCase()}`,
    authorizedAt: AUTH,
    pageSize: 100,
  });
  return w;
}

/** Plain syncs until one succeeds (at most 3): the scheduler's next runs. */
async function recover(w: Workspace): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const r = await w.run(['sync', '--json']);
    if (syncSucceeded(r)) return;
  }
}

/** Kills the sync at each fraction of `total` new emails stored; returns what was done. */
async function killAt(w: Workspace, base: number, total: number, fractions: number[]): Promise<string[]> {
  const done: string[] = [];
  for (const f of fractions) {
    // Never a target already passed: each kill lands in work this run does.
    const target = Math.max(base + Math.floor(f * total), (await emailCount(w.db)) + 1);
    const run = spawnSync(w);
    const at = await whenCount(
      run,
      () => emailCount(w.db),
      target,
      () => {
        run.p.kill('SIGKILL');
      },
    );
    await run.done;
    done.push(at === null ? 'sync ended first' : `${at - base}/${total}`);
  }
  return done;
}

beforeAll(async () => {
  d = await startMailServer({ users: { initial: 'pw-initial', restart: 'pw-restart', validity: 'pw-validity' } });
  process.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
}, 600_000);

afterAll(async () => {
  await d?.stop();
});

describe(`IMAP faults (seed ${SEED})`, () => {
  it('SIGKILL of the sync process at random points of an initial, then an incremental sync', async () => {
    const first = mailFor('initial', 'init', N, new Date('2026-03-02T00:00:00Z'));
    d.writeMaildir('initial', first);
    const w = await mailbox('initial');
    const kills = await killAt(w, 0, N, killPoints(rand, 3));
    await recover(w);
    let c = await emailCensus(
      w.db,
      first.map((m) => m.id),
    );
    record(
      {
        scenario: 'IMAP initial sync, sync process SIGKILLed',
        faults: `3 × SIGKILL at ${kills.join(', ')} stored`,
        expected: N,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(w.db),
      },
      c,
    );

    const more = mailFor('initial', 'incr', N / 2, new Date('2026-03-10T00:00:00Z'));
    d.writeMaildir('initial', more);
    const kills2 = await killAt(w, N, N / 2, killPoints(rand, 2));
    await recover(w);
    c = await emailCensus(
      w.db,
      [...first, ...more].map((m) => m.id),
    );
    record(
      {
        scenario: 'IMAP incremental sync, sync process SIGKILLed',
        faults: `2 × SIGKILL at ${kills2.join(', ')} new stored`,
        expected: N * 1.5,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(w.db),
      },
      c,
    );
    w.cleanup();
  });

  it('Dovecot restarted twice in the middle of a sync', async () => {
    const msgs = mailFor('restart', 'rs', N, new Date('2026-03-02T00:00:00Z'));
    d.writeMaildir('restart', msgs);
    const w = await mailbox('restart');
    const run = spawnSync(w);
    const points = killPoints(rand, 2, 0.1, 0.7);
    const at: string[] = [];
    for (const f of points) {
      const n = await whenCount(
        run,
        () => emailCount(w.db),
        Math.floor(f * N),
        () => d.restart(),
      );
      at.push(n === null ? 'sync ended first' : `${n}/${N}`);
    }
    const r = await run.done;
    await recover(w); // a sync that gave up after its retries is followed by the next one
    const c = await emailCensus(
      w.db,
      msgs.map((m: Msg) => m.id),
    );
    record(
      {
        scenario: 'IMAP server restarted mid-sync',
        faults: `2 restarts at ${at.join(', ')} stored; the running sync ${r.code === 0 ? 'reconnected and finished' : 'failed, the next one finished'}`,
        expected: N,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(w.db),
      },
      c,
    );
    w.cleanup();
  });

  it('UIDVALIDITY changed under a synced mailbox (the server lost its UID list)', async () => {
    const before = mailFor('validity', 'uv', N / 2, new Date('2026-03-02T00:00:00Z'));
    d.writeMaildir('validity', before);
    const w = await mailbox('validity');
    await recover(w);
    const validity = async () =>
      (
        JSON.parse((await query<{ value: string }>(w.db, "SELECT value FROM cursors WHERE stream = 'mail'"))[0]!.value) as {
          folders: { INBOX: { uidValidity: number } };
        }
      ).folders.INBOX.uidValidity;
    const oldValidity = await validity();
    // Dovecot keeps UIDs and UIDVALIDITY in dovecot-uidlist and its indexes: without them
    // it numbers the mailbox anew with a new UIDVALIDITY.
    const root = d.maildir('validity');
    for (const f of readdirSync(root)) if (f.startsWith('dovecot')) rmSync(join(root, f), { force: true });
    await sleep(1100); // UIDVALIDITY is a timestamp in seconds
    const after = mailFor('validity', 'uv2', N / 4, new Date('2026-03-12T00:00:00Z'));
    d.writeMaildir('validity', after);
    await recover(w);
    const c = await emailCensus(
      w.db,
      [...before, ...after].map((m) => m.id),
    );
    record(
      {
        scenario: 'IMAP UIDVALIDITY change',
        faults: `UIDVALIDITY ${oldValidity} → ${await validity()}, new mail added`,
        expected: before.length + after.length,
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
