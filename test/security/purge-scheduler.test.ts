// The service purges seen-but-not-linked items once a day by itself: the scheduler's
// first tick of each UTC day runs the same retention as `touchpoint purge`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { ManualClock } from '../../src/domain/clock.js';
import { Scheduler } from '../../src/service/scheduler.js';
import type { Store } from '../../src/store/db.js';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import { createWorkspace } from '../../src/store/workspaces.js';

let db: Store;
let wsId = '';
const clock = new ManualClock(new Date('2026-03-20T12:00:00Z'));
const email = (id: string, outcome: string, firstSeen: string) => ({
  id,
  workspace_id: wsId,
  dedup_key: `mid:${id}`,
  message_id: id,
  at: firstSeen,
  outcome,
  decision: '{}',
  participants: null,
  subject: null,
  body_text: null,
  body_html: null,
  decided_at: firstSeen,
  first_seen_at: firstSeen,
});

beforeAll(async () => {
  db = await openSqlite(':memory:');
  wsId = (await createWorkspace(db, 'acme-cs', ['ourco.com'], clock.now())).id;
  await db
    .insertInto('emails')
    .values([
      email('old-not-linked', 'not_linked', '2026-02-01T00:00:00.000Z'),
      email('old-linked', 'linked', '2026-02-01T00:00:00.000Z'),
      email('new-not-linked', 'not_linked', '2026-03-19T00:00:00.000Z'),
    ])
    .execute();
});
afterAll(async () => db?.destroy());

describe('the daily retention purge of the scheduler', () => {
  it('purges once per UTC day, with the retention period', async () => {
    const scheduler = new Scheduler({ db, queue: new InProcessQueue(), clock });
    expect(await scheduler.purgeOncePerDay(clock.now())).toBe(1);
    expect(await scheduler.purgeOncePerDay(new Date('2026-03-20T23:59:00Z'))).toBeUndefined();
    const left = (await db.selectFrom('emails').select('id').orderBy('id').execute()).map((r) => r.id);
    expect(left).toEqual(['new-not-linked', 'old-linked']);
    // The next day, and 30 days after it was first seen, the newer one goes too.
    expect(await scheduler.purgeOncePerDay(new Date('2026-04-19T00:00:01Z'))).toBe(1);
    expect((await db.selectFrom('emails').select('id').execute()).map((r) => r.id)).toEqual(['old-linked']);
  });

  it('runs from tick() without delaying the syncs', async () => {
    await db
      .insertInto('emails')
      .values(email('another', 'not_linked', '2026-01-01T00:00:00.000Z'))
      .execute();
    const scheduler = new Scheduler({ db, queue: new InProcessQueue(), clock, retentionDays: 10 });
    expect(await scheduler.tick()).toEqual({ syncs: 0, webhooks: 0 });
    expect((await db.selectFrom('emails').select('id').execute()).map((r) => r.id)).toEqual(['old-linked']);
  });
});
