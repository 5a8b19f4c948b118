// Search's end-user look-up reads a range of the by-domain index when the text has an "@":
// it must answer exactly what the "contains" scan answers, whatever the text — a whole
// address, a part on either side of the "@", a domain prefix, LIKE's wildcards, non-ASCII —
// and use the index (not scan) on both databases.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeAddress } from '../../src/directory/address.js';
import type { Store } from '../../src/store/db.js';
import { addAccount, insertEndUser, listEndUsers } from '../../src/store/directory.js';
import { endUsersContaining } from '../../src/store/end-user-search.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const ADDRESSES = [
  'john@acme.com',
  'bigjohn@acme.com',
  'john@acme.com.au',
  'john@acmeco.com',
  'jo_hn@acme.com',
  'jo%hn@acme.com',
  'ann@sub.acme.com',
  'zoë@café.fr',
  'zoe@cafe.fr',
  'x@acm',
];
const QUERIES = [
  'john@acme.com',
  'n@acme.com',
  'john@acme',
  'john@',
  '@acme.com',
  '@acme',
  '@ac',
  'o_hn@acme.com',
  'o%hn@',
  '%@acme.com',
  'zoë@café',
  'ë@caf',
  '@café.fr',
  'acme.com',
  'john',
  '@',
  'a@b@c',
  'nobody@nowhere.example',
];

describe.each(DIALECTS)('end users containing a text (%s)', (dialect) => {
  let close: () => Promise<void>;
  let db: Store;
  let ws: string;

  beforeAll(async () => {
    const store = await openTestStore(dialect, 'end-user-search');
    close = store.close;
    db = store.db;
    ws = (await createWorkspace(db, 'cs', ['ourco.com'], NOW)).id;
    await addAccount(db, ws, { id: 'a', name: 'A' }, NOW);
    await addAccount(db, ws, { id: 'b', name: 'B' }, NOW);
    for (const [i, email] of ADDRESSES.entries())
      await insertEndUser(db, ws, { accountId: i % 2 ? 'a' : 'b', email, source: 'manual' }, NOW);
  });
  afterAll(async () => close?.());

  it.each(QUERIES)('"%s": the same end users, in the same order, as the scan', async (q) => {
    const ids = (us: { id: string }[]) => us.map((u) => u.id);
    expect(ids(await endUsersContaining(db, ws, q))).toEqual(ids(await listEndUsers(db, ws, { emailLike: q })));
  });

  // email_norm keeps an IDN domain in ASCII ("zoë@xn--caf-dma.fr"): a Unicode fragment of it
  // without an "@" is also looked for in its ASCII form; with an "@", normalizeAddress converts it.
  it.each([
    ['café', ['zoë@café.fr']],
    ['café.fr', ['zoë@café.fr']],
    ['CAFÉ', ['zoë@café.fr']],
    ['zoë@café', ['zoë@café.fr']],
    ['@café.fr', ['zoë@café.fr']],
    ['zoë', ['zoë@café.fr']],
    ['xn--caf-dma', ['zoë@café.fr']],
    // Punycode encodes a label as a whole: part of one cannot be found.
    ['afé', []],
  ])('a Unicode domain fragment "%s" finds the end user stored with its ASCII domain', async (q, emails) => {
    const found = await endUsersContaining(db, ws, normalizeAddress(q));
    expect(found.map((u) => u.email)).toEqual(emails);
  });

  it('reads the by-domain index for a text with an "@"', async () => {
    const plan =
      dialect === 'sqlite'
        ? (
            await sql<{ detail: string }>`explain query plan select id from end_users
              where workspace_id = ${ws} and substr(email_norm, instr(email_norm, '@') + 1) >= ${'acme'}
              and substr(email_norm, instr(email_norm, '@') + 1) < ${'acmf'}`.execute(db)
          ).rows.map((r) => r.detail)
        : // One connection: a tiny table is scanned unless the planner is told not to.
          await db.connection().execute(async (c) => {
            await sql`set enable_seqscan = off`.execute(c);
            const rows = (
              await sql<{ 'QUERY PLAN': string }>`explain select id from end_users
                where workspace_id = ${ws} and (substr(email_norm, strpos(email_norm, '@') + 1) collate "C") >= ${'acme'}
                and (substr(email_norm, strpos(email_norm, '@') + 1) collate "C") < ${'acmf'}`.execute(c)
            ).rows.map((r) => r['QUERY PLAN']);
            await sql`reset enable_seqscan`.execute(c);
            return rows;
          });
    expect(plan.join('\n')).toContain('end_users_by_domain');
  });
});
