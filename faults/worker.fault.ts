// Worker faults on PostgreSQL: `touchpoint worker` processes share the sync queue (pg-boss);
// one is SIGKILLed at a random point of an initial sync and again of an incremental one.
// Its jobs are run again by the others once their lock expires, and a replacement worker
// joins. Every message must be stored once — including those in every mailbox, which
// workers race to store.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PgBossQueue } from '../src/queue/pg-boss.js';
import { SYNC_QUEUE, type SyncJobData } from '../src/service/scheduler.js';
import type { Store } from '../src/store/db.js';
import { createConnection, listConnections } from '../src/store/connections.js';
import { addAccount, addTeammate, insertEndUser } from '../src/store/directory.js';
import { openStore } from '../src/store/open.js';
import { createWorkspace } from '../src/store/workspaces.js';
import { createTestDatabase, type TestDatabase } from '../test/support/databases.js';
import { writeMailbox, type TestMail } from '../test/support/mailbox.js';
import { startWorker, type Worker } from '../test/support/workers.js';
import { allHealthy, emailCensus, prng, QUICK, record, SEED } from './ledger.js';
import { emailCount, sleep } from './support.js';

const BOXES = QUICK ? 8 : 20;
const PER_BOX = QUICK ? 80 : 200;
const SHARED = 5;
const NOW = new Date();
const rand = prng(SEED + 3);
let database: TestDatabase;
let db: Store;
let root: string;
let queue: PgBossQueue;
const workers: Worker[] = [];
const expected: string[] = [];

function batch(box: number, prefix: string, n: number): TestMail[] {
  const mails: TestMail[] = [];
  for (let k = 0; k < n; k++) {
    const id = `${prefix}-${box}-${k}@mail.test`;
    mails.push({ id, from: k % 2 === 0 ? `user${k % 5}@cust${k % 5}.example` : `stranger${k}@nowhere.example`, to: `csm${box}@ourco.com` });
    expected.push(id);
  }
  return mails;
}

async function enqueueAll(): Promise<void> {
  const ws = (await db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
  for (const c of await listConnections(db, ws))
    await queue.send<SyncJobData>(SYNC_QUEUE, { workspaceId: ws, connectionId: c.id, reason: 'sync_now' }, { key: c.id });
}

/** A killed process keeps exitCode null (it has a signalCode instead). */
const alive = (w: Worker) => w.child.exitCode === null && w.child.signalCode === null;

/** Kills a worker in the middle of a sync once `target` emails are stored, starts a replacement. */
async function killOneAt(target: number): Promise<string> {
  for (const end = Date.now() + 60_000; Date.now() < end; await sleep(10)) {
    const victim = workers.find((w) => alive(w) && w.started.size > 0);
    const n = await emailCount(database.location);
    if (victim && n >= target) {
      victim.child.kill('SIGKILL');
      await once(victim.child, 'exit');
      workers.push(startWorker(database.location));
      return `${n}`;
    }
  }
  return 'no sync was running';
}

async function waitAllSynced(since: Date): Promise<void> {
  for (const end = Date.now() + 300_000; Date.now() < end; await sleep(200)) {
    const rows = await db.selectFrom('connections').select('last_success_at').execute();
    if (rows.every((r) => r.last_success_at && new Date(r.last_success_at) >= since)) return;
  }
}

beforeAll(async () => {
  database = await createTestDatabase('postgres', 'fault-workers');
  db = await openStore(database.location, { poolMax: 4 });
  root = mkdtempSync(join(tmpdir(), 'tp-fault-workers-'));
  const ws = await createWorkspace(db, 'acme-cs', ['ourco.com'], NOW);
  for (let j = 0; j < 5; j++) {
    await addAccount(db, ws.id, { id: `acct${j}`, name: `Customer ${j}` }, NOW);
    await insertEndUser(db, ws.id, { accountId: `acct${j}`, email: `user${j}@cust${j}.example`, source: 'manual' }, NOW);
  }
  const shared: TestMail[] = Array.from({ length: SHARED }, (_, k) => ({
    id: `shared-${k}@mail.test`,
    from: `user${k}@cust${k}.example`,
    to: 'all@ourco.com',
  }));
  expected.push(...shared.map((m) => m.id));
  for (let i = 0; i < BOXES; i++) {
    const t = await addTeammate(db, ws.id, { email: `csm${i}@ourco.com`, aliases: [] }, NOW);
    const mail = writeMailbox(join(root, `box${i}`), [...batch(i, 'init', PER_BOX), ...shared]);
    await createConnection(
      db,
      ws.id,
      {
        teammateId: t.id,
        provider: 'folder',
        config: { mail, pageSize: 20 },
        hasMail: true,
        hasCalendar: false,
        authorizedAt: new Date('2026-01-01T00:00:00Z'),
      },
      NOW,
    );
  }
  for (let i = 0; i < 3; i++) workers.push(startWorker(database.location, 2));
  // The test's own sending side of the queue (the workers are separate processes).
  queue = await new PgBossQueue({ url: database.location }).start();
}, 600_000);

afterAll(async () => {
  await queue?.stop({ timeoutMs: 1000 });
  const running = workers.filter(alive);
  const exits = running.map((w) => once(w.child, 'exit'));
  for (const w of running) w.child.kill('SIGTERM');
  await Promise.all(exits);
  await db?.destroy();
  await database?.drop();
  rmSync(root, { recursive: true, force: true });
});

describe(`worker faults on PostgreSQL (seed ${SEED + 3})`, () => {
  it('a worker SIGKILLed at a random point of an initial sync, then of an incremental one', async () => {
    const total = BOXES * PER_BOX + SHARED;
    let since = new Date();
    await enqueueAll();
    const first = await killOneAt(Math.floor((0.2 + rand() * 0.5) * total));
    await waitAllSynced(since);
    let c = await emailCensus(database.location, expected);
    record(
      {
        scenario: 'worker SIGKILLed mid initial sync (PostgreSQL, 3 workers)',
        faults: `SIGKILL at ${first}/${total} stored, replacement worker started`,
        expected: expected.length,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(database.location),
      },
      c,
    );

    for (let i = 0; i < BOXES; i++) writeMailbox(join(root, `box${i}`), batch(i, 'incr', PER_BOX));
    since = new Date();
    await enqueueAll();
    const second = await killOneAt(total + Math.floor((0.1 + rand() * 0.4) * BOXES * PER_BOX));
    await waitAllSynced(since);
    c = await emailCensus(database.location, expected);
    record(
      {
        scenario: 'worker SIGKILLed mid incremental sync (PostgreSQL)',
        faults: `SIGKILL at ${second}/${expected.length} stored, replacement worker started`,
        expected: expected.length,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy: await allHealthy(database.location),
      },
      c,
    );
  });
});
