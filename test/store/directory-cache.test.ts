// The directory cache of a worker (store/directory-version.ts): syncs of one workspace that
// start together share one load of its directory instead of each loading it (bench:workers:
// a worker at concurrency 8 loaded 10,000 end users 8 times at once), a caller inside a
// transaction never waits for another's load (on SQLite that load queues behind the
// transaction), and a directory change still gives a fresh index — on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ctx } from '../../src/store/context.js';
import type { Store } from '../../src/store/db.js';
import { addAccount, addTeammate, insertEndUser } from '../../src/store/directory.js';
import { directoryCache } from '../../src/store/directory-version.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00Z');

describe.each(DIALECTS)('directory cache (%s)', (dialect) => {
  let close: () => Promise<void>;
  let db: Store;
  let ctx: Ctx;

  beforeAll(async () => {
    const store = await openTestStore(dialect, 'directory-cache');
    close = store.close;
    db = store.db;
    const ws = await createWorkspace(db, 'cs', ['ourco.com'], NOW);
    await addAccount(db, ws.id, { id: 'acme', name: 'Acme Inc' }, NOW);
    for (let i = 0; i < 50; i++) await insertEndUser(db, ws.id, { accountId: 'acme', email: `u${i}@acme.com`, source: 'manual' }, NOW);
    ctx = { db, ws, now: NOW, actor: 'test' };
  });
  afterAll(() => close());

  it('gives syncs that start together one shared load, then keeps it', async () => {
    const cached = directoryCache(4);
    const dirs = await Promise.all(Array.from({ length: 8 }, () => cached(ctx)));
    expect(new Set(dirs).size).toBe(1);
    expect(dirs[0]!.endUsersFor('u7@acme.com').map((u) => u.accountId)).toEqual(['acme']);
    expect(await cached(ctx)).toBe(dirs[0]);
  });

  it('lets a caller inside a transaction load on its own while another load runs, and both finish', async () => {
    const cached = directoryCache(4);
    const outside = cached(ctx);
    const inside = db.transaction().execute(async (trx) => cached({ ...ctx, db: trx }));
    const [a, b] = await Promise.all([outside, inside]);
    expect(a.endUsersFor('u1@acme.com')).toHaveLength(1);
    expect(b.endUsersFor('u1@acme.com')).toHaveLength(1);
  });

  it('loads the directory again after it changed', async () => {
    const cached = directoryCache(4);
    const before = await cached(ctx);
    // A teammate moves the version (store/directory-version.ts); the end user rides along.
    await insertEndUser(db, ctx.ws.id, { accountId: 'acme', email: 'new@acme.com', source: 'manual' }, NOW);
    await addTeammate(db, ctx.ws.id, { email: 'carol@ourco.com', aliases: [] }, NOW);
    const [after, again] = await Promise.all([cached(ctx), cached(ctx)]);
    expect(after).not.toBe(before);
    expect(again).toBe(after);
    expect(after.endUsersFor('new@acme.com')).toHaveLength(1);
  });
});
