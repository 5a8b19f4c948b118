// PostgreSQL: a page's dedup look-up (storedEmailKeys, and the guard of the page's insert
// statement, which runs the same text) probes the unique (workspace_id, dedup_key) index once
// per key, whatever the table's statistics. `dedup_key = ANY($2)` was planned as a scan of the
// workspace's every email while the table was new (an initial sync, before autovacuum's first
// ANALYZE) or small next to a page: its cost grew with every page stored (bench:store). The test
// asserts the plan, not a time: which index the planner reads, before and after an ANALYZE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery } from 'kysely';
import type { Decision } from '../../src/domain/decision.js';
import type { Store } from '../../src/store/db.js';
import { insertNewEmails, type EmailWrite } from '../../src/store/email-writes.js';
import { STORED_KEYS_PG, storedEmailKeys } from '../../src/store/emails.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00.000Z');
const notLinked: Decision = { kind: 'email', outcome: 'not_linked', accounts: [], checks: [], remedies: [], hints: [] };

const write = (n: number): EmailWrite => ({
  dedupKey: `mid:k${n}@acme.com`,
  messageId: `k${n}@acme.com`,
  at: new Date(NOW.getTime() - n * 60_000),
  decision: notLinked,
  content: null,
  hashes: [`h${n}`],
  newSightings: [{ connectionId: 'c1', folder: 'INBOX', ref: `INBOX:${n}`, at: NOW, seenAt: NOW }],
  now: NOW,
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (p: PlanNode): PlanNode[] => [p, ...(p.Plans ?? []).flatMap(nodes)];

describe('the dedup look-up on PostgreSQL', () => {
  let db: Store;
  let close: () => Promise<void>;
  let ws: string;
  const STORED = 2_000;

  beforeAll(async () => {
    ({ db, close } = await openTestStore('postgres', 'storedkeys'));
    ws = (await createWorkspace(db, 'acme-cs', ['ourco.com'], NOW)).id;
    for (let from = 0; from < STORED; from += 500) {
      await insertNewEmails(
        db,
        ws,
        Array.from({ length: 500 }, (_, i) => write(from + i)),
      );
    }
  });

  afterAll(async () => {
    await close();
  });

  // A page of 500 keys: the last 250 stored emails and 250 new ones.
  const keys = Array.from({ length: 500 }, (_, i) => `mid:k${STORED - 250 + i}@acme.com`);

  async function emailsScans(): Promise<PlanNode[]> {
    const r = await db.executeQuery<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${STORED_KEYS_PG}`, [ws, keys]),
    );
    return nodes(r.rows[0]!['QUERY PLAN'][0]!.Plan).filter((n) => n['Relation Name'] === 'emails');
  }

  for (const stats of ['never analyzed', 'analyzed'] as const) {
    it(`reads the emails only through the unique dedup index (${stats})`, async () => {
      if (stats === 'analyzed') await db.executeQuery(CompiledQuery.raw('ANALYZE emails'));
      const scans = await emailsScans();
      expect(scans.length).toBeGreaterThan(0);
      for (const s of scans)
        expect({ node: s['Node Type'], index: s['Index Name'] }).toEqual({ node: expect.stringMatching(/^Index/), index: 'emails_dedup' });
      const found = await storedEmailKeys(db, ws, keys);
      expect([...found].sort()).toEqual(keys.slice(0, 250).sort());
    });
  }

  it('answers a key given twice once, and no key of another workspace', async () => {
    const other = (await createWorkspace(db, 'other-cs', ['other.com'], new Date(NOW.getTime() + 1))).id;
    await insertNewEmails(db, other, [write(STORED + 1)]);
    const k = `mid:k${STORED - 1}@acme.com`;
    expect(await storedEmailKeys(db, ws, [k, k, `mid:k${STORED + 1}@acme.com`])).toEqual(new Set([k]));
  });
});
