// The initial sync of issue 16's "Done when": 10,000 contacts in 2,000 companies through the
// emulator and the official client, on SQLite and PostgreSQL. The HubSpot search answers at
// most 10,000 results per query, so this also pages across that cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { bigDirectory, SOURCE_KINDS_UNDER_TEST, sourceWorld, type SourceWorld } from './fixture.js';

const SOURCES = SOURCE_KINDS_UNDER_TEST;

describe.each(SOURCES)('$kind initial sync', ({ kind, start }) => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let w: SourceWorld;
    beforeAll(async () => {
      w = await sourceWorld(dialect, kind, start);
      const { companies, contacts } = bigDirectory();
      w.emulator.seed(companies, contacts);
    });
    afterAll(async () => w.close());

    it('brings 10,000 contacts in 2,000 companies', { timeout: 120_000 }, async () => {
      const r = await w.sync();
      expect(r).toMatchObject({ status: 'active', problem: null });
      expect(r.counts).toMatchObject({ added: 12_000, updated: 0, removed: 0, skipped: 0 });
      const rows = await w.deps.db
        .selectFrom('end_users')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('workspace_id', '=', w.deps.ws.id)
        .executeTakeFirstOrThrow();
      // 10,000 contacts, 200 of them in a second company too.
      expect(Number(rows.n)).toBe(10_200);
      const accounts = await w.deps.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('workspace_id', '=', w.deps.ws.id)
        .executeTakeFirstOrThrow();
      expect(Number(accounts.n)).toBe(2_000);

      // Nothing changed at the source: the next sync changes nothing.
      const again = await w.sync(15);
      expect(again.counts).toMatchObject({ added: 0, updated: 0, removed: 0, skipped: 0 });
    });
  });
});
