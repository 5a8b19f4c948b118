// Three `touchpoint worker` processes on PostgreSQL sync 24 folder mailboxes (1,056 files); one worker is
// killed with SIGKILL in the middle of a sync. Its job is run again by another worker, and
// in the end every item is stored exactly once (four messages are in all 24 mailboxes, so
// workers also race to store the same email) and every connection is synced.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBossQueue } from '../../src/queue/pg-boss.js';
import { SYNC_QUEUE, type SyncJobData } from '../../src/service/scheduler.js';
import type { Store } from '../../src/store/db.js';
import { createConnection, listConnections } from '../../src/store/connections.js';
import { addAccount, addTeammate, insertEndUser } from '../../src/store/directory.js';
import { openStore } from '../../src/store/open.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { writeMailbox, type TestMail } from '../support/mailbox.js';
import { startWorker, type Worker } from '../support/workers.js';

const MAILBOXES = 24;
const UNIQUE_PER_BOX = 40;
const SHARED = 4;
const NOW = new Date();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mailbox i: unique mail (every other one from an end user), plus the shared messages. */
function mailboxFor(i: number): TestMail[] {
  const mails: TestMail[] = [];
  for (let k = 0; k < UNIQUE_PER_BOX; k++) {
    const j = (i + k) % 10;
    mails.push({
      id: `msg-${i}-${k}@mail.example`,
      from: k % 2 === 0 ? `user${j}@cust${j}.example` : `stranger${k}@nowhere.example`,
      to: `csm${i}@ourco.com`,
    });
  }
  for (let k = 0; k < SHARED; k++)
    mails.push({
      id: `shared-${k}@mail.example`,
      from: `user${k}@cust${k}.example`,
      to: 'all-csms@ourco.com',
      subject: `Announcement ${k}`,
    });
  return mails;
}

describe('three worker processes on PostgreSQL, one killed mid-sync', () => {
  let database: TestDatabase;
  let db: Store;
  let root: string;
  const workers: Worker[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres', 'workers');
    db = await openStore(database.location, { poolMax: 4 });
    root = mkdtempSync(join(tmpdir(), 'tp-workers-'));
    const ws = await createWorkspace(db, 'acme-cs', ['ourco.com'], NOW);
    for (let j = 0; j < 10; j++) {
      await addAccount(db, ws.id, { id: `acct${j}`, name: `Customer ${j}` }, NOW);
      await insertEndUser(db, ws.id, { accountId: `acct${j}`, email: `user${j}@cust${j}.example`, source: 'manual' }, NOW);
    }
    for (let i = 0; i < MAILBOXES; i++) {
      const t = await addTeammate(db, ws.id, { email: `csm${i}@ourco.com`, aliases: [] }, NOW);
      const mail = writeMailbox(join(root, `box${i}`), mailboxFor(i));
      await createConnection(
        db,
        ws.id,
        {
          teammateId: t.id,
          provider: 'folder',
          config: { mail },
          hasMail: true,
          hasCalendar: false,
          authorizedAt: new Date('2026-01-01T00:00:00Z'),
        },
        NOW,
      );
    }
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await db?.destroy();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('stores every item exactly once and syncs every connection', async () => {
    const conns = await listConnections(db, (await db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id);
    for (let i = 0; i < 3; i++) workers.push(startWorker(database.location));
    const queue = await new PgBossQueue({ url: database.location }).start();
    for (const c of conns)
      await queue.send<SyncJobData>(SYNC_QUEUE, { workspaceId: c.workspaceId, connectionId: c.id, reason: 'sync_now' }, { key: c.id });
    await queue.stop({ timeoutMs: 1000 });

    // Kill worker 0 while it is in the middle of a sync (it logged "started", not "finished").
    const victim = workers[0]!;
    for (
      const end = Date.now() + 60_000;
      Date.now() < end && !(victim.started.size > 0 && workers.reduce((n, w) => n + w.finished, 0) >= 3);
    )
      await sleep(25);
    expect(victim.started.size, victim.log.slice(-3000)).toBeGreaterThan(0);
    const interrupted = [...victim.started];
    victim.child.kill('SIGKILL');

    // Everything gets synced by the two others, the interrupted connection included.
    const synced = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from connections where last_success_at is not null`.execute(db)).rows[0]!.n);
    // The victim may have stored its connection just before it died: its job is then still
    // running in the queue until the reaper hands it to another worker, so wait for that too.
    const retried = () => workers.slice(1).some((w) => w.log.includes(`"connectionId":"${interrupted[0]}"`));
    // Bounded well inside the test's limit, so a failure prints the workers' logs.
    for (const end = Date.now() + 200_000; Date.now() < end && ((await synced()) < MAILBOXES || !retried()); ) await sleep(100);
    const states0 = await db
      .selectFrom('connections')
      .select(['id', 'status', 'last_success_at'])
      .where('last_success_at', 'is', null)
      .execute();
    expect(
      await synced(),
      `never synced: ${JSON.stringify(states0)}\ninterrupted: ${interrupted}\n${workers.map((w) => w.log.slice(-2500)).join('\n---\n')}`,
    ).toBe(MAILBOXES);
    const states = await db.selectFrom('connections').select(['id', 'status', 'last_error']).execute();
    expect(states.filter((s) => s.status !== 'active' || s.last_error)).toEqual([]);
    expect(retried()).toBe(true);

    // Exactly once: every distinct message one row, every file one sighting, every link once.
    const count = async (q: string) => Number((await sql<{ n: string }>`${sql.raw(q)}`.execute(db)).rows[0]!.n);
    expect(await count('select count(*) as n from emails')).toBe(MAILBOXES * UNIQUE_PER_BOX + SHARED);
    expect(await count('select count(distinct dedup_key) as n from emails')).toBe(MAILBOXES * UNIQUE_PER_BOX + SHARED);
    expect(await count('select count(*) as n from email_sightings')).toBe(MAILBOXES * (UNIQUE_PER_BOX + SHARED));
    expect(await count("select count(*) as n from emails where outcome = 'linked'")).toBe((MAILBOXES * UNIQUE_PER_BOX) / 2 + SHARED);
    expect(await count('select count(*) as n from email_links')).toBe((MAILBOXES * UNIQUE_PER_BOX) / 2 + SHARED);
    for (let k = 0; k < SHARED; k++) {
      expect(
        await count(
          `select count(*) as n from email_sightings s join emails e on e.id = s.email_id where e.message_id = 'shared-${k}@mail.example'`,
        ),
      ).toBe(MAILBOXES);
    }

    // The survivors stop gracefully on SIGTERM.
    // Listen before signalling: a worker that exits while we await another would otherwise
    // have emitted 'exit' to nobody, and waiting for it would hang the test.
    const exits = workers.slice(1).map((w) => once(w.child, 'exit'));
    for (const w of workers.slice(1)) w.child.kill('SIGTERM');
    for (const e of exits) expect((await e)[0]).toBe(0);
  }, 300_000); // a loaded CI machine runs other suites beside it
});
