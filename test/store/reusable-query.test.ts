// Reads built once per store and run with each call's own values (store/reusable-query.ts):
// every call must see its own values — never the first call's — on both databases and in two
// stores at once, and a build that computes with a value instead of passing it is refused.
// A rows read (arrays, not objects) gives the columns in select order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Store } from '../../src/store/db.js';
import { addAccount, getAccount } from '../../src/store/directory.js';
import { reusableQuery, reusableRowsQuery } from '../../src/store/reusable-query.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00Z');

const accountsNamed = reusableQuery((db, v: { ws: string; prefix: string; limit: number }) =>
  db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('workspace_id', '=', v.ws)
    .where(sql<boolean>`name >= ${v.prefix}`)
    .orderBy('name')
    .limit(v.limit),
);

describe.each(DIALECTS)('reusable queries (%s)', (dialect) => {
  const closers: (() => Promise<void>)[] = [];
  const stores: { db: Store; ws: string }[] = [];

  beforeAll(async () => {
    // Two stores: each gets its own statement, with its own values.
    for (const label of ['reusable-a', 'reusable-b']) {
      const store = await openTestStore(dialect, label);
      closers.push(store.close);
      const ws = (await createWorkspace(store.db, 'cs', ['ourco.com'], NOW)).id;
      for (const [id, name] of [
        ['acme', `Acme ${label}`],
        ['globex', `Globex ${label}`],
        ['initech', `Initech ${label}`],
      ])
        await addAccount(store.db, ws, { id: id!, name: name! }, NOW);
      stores.push({ db: store.db, ws });
    }
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('each call reads with its own values, in either store', async () => {
    for (const [k, { db, ws }] of stores.entries()) {
      const label = k === 0 ? 'reusable-a' : 'reusable-b';
      expect(await accountsNamed(db, { ws, prefix: 'B', limit: 1 })).toEqual([{ id: 'globex', name: `Globex ${label}` }]);
      expect(await accountsNamed(db, { ws, prefix: 'A', limit: 3 })).toEqual([
        { id: 'acme', name: `Acme ${label}` },
        { id: 'globex', name: `Globex ${label}` },
        { id: 'initech', name: `Initech ${label}` },
      ]);
      expect(await accountsNamed(db, { ws, prefix: 'Z', limit: 3 })).toEqual([]);
      expect(await getAccount(db, ws, 'initech')).toEqual({ id: 'initech', name: `Initech ${label}` });
      expect(await getAccount(db, ws, 'nobody')).toBeUndefined();
      expect(await getAccount(db, 'another-workspace', 'acme')).toBeUndefined();
    }
  });

  it('a rows read gives each row as its columns in select order; the same read as objects is unchanged', async () => {
    const { db, ws } = stores[0]!;
    const build = (d: Store, v: { ws: string }) =>
      d.selectFrom('accounts').select(['name', 'id']).where('workspace_id', '=', v.ws).orderBy('id');
    const asRows = reusableRowsQuery<{ ws: string }, [name: string, id: string]>(build);
    const asObjects = reusableQuery(build);
    for (let twice = 0; twice < 2; twice++) {
      expect(await asRows(db, { ws })).toEqual([
        ['Acme reusable-a', 'acme'],
        ['Globex reusable-a', 'globex'],
        ['Initech reusable-a', 'initech'],
      ]);
      expect((await asObjects(db, { ws }))[0]).toEqual({ name: 'Acme reusable-a', id: 'acme' });
    }
  });

  it('refuses a build that computes with a value, writes it into the SQL or never uses it', async () => {
    const { db, ws } = stores[0]!;
    const computed = reusableQuery((d, v: { ws: string; id: string }) =>
      d.selectFrom('accounts').select('id').where('workspace_id', '=', v.ws).where('id', 'like', `${v.id}%`),
    );
    await expect(computed(db, { ws, id: 'acme' })).rejects.toThrow(/changed before it was passed/);
    const spliced = reusableQuery((d, v: { ws: string; id: string }) =>
      d
        .selectFrom('accounts')
        .select('id')
        .where('workspace_id', '=', v.ws)
        .where(sql<boolean>`id = '${sql.raw(v.id)}'`),
    );
    await expect(spliced(db, { ws, id: 'acme' })).rejects.toThrow(/written into the SQL text/);
    const unused = reusableQuery((d, v: { ws: string; id: string }) =>
      d.selectFrom('accounts').select('id').where('workspace_id', '=', v.ws),
    );
    await expect(unused(db, { ws, id: 'acme' })).rejects.toThrow(/id never reached the query/);
  });
});
