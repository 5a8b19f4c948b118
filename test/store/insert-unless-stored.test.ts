// A sync page's new emails inserted unless another sync stored them since the page was planned
// (insertNewEmailsUnlessStored), on SQLite and PostgreSQL, where the check and the inserts are one
// statement: mail already stored is reported and not inserted again, with none of its links,
// hashes or sightings; the rows written are the ones insertNewEmails writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decision.js';
import type { Store } from '../../src/store/db.js';
import { buildNewEmailRows, insertNewEmails, insertNewEmailsUnlessStored, type EmailWrite } from '../../src/store/email-writes.js';
import { createWorkspace, type WorkspaceRecord } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00.000Z');

const decision = (outcome: Decision['outcome']): Decision => ({
  kind: 'email',
  outcome,
  accounts: outcome === 'linked' ? [{ id: 'acct-1', name: 'Acme', via: [] } as unknown as Decision['accounts'][number]] : [],
  checks: [],
  remedies: [],
  hints: [],
});

const write = (n: number, conn: string, outcome: Decision['outcome'] = n % 2 ? 'linked' : 'not_linked'): EmailWrite => ({
  dedupKey: `mid:u${n}@acme.com`,
  messageId: `u${n}@acme.com`,
  at: new Date(NOW.getTime() - n * 60_000),
  decision: decision(outcome),
  content: {
    participants: { from: [{ address: 'bob@acme.com' }], to: [], cc: [], bcc: [] },
    subject: `S${n}`,
    bodyText: `b${n}`,
    bodyHtml: null,
  },
  hashes: [`h${n}`, 'h-common', `h${n}`],
  fromHash: `h${n}`,
  newSightings: [{ connectionId: conn, folder: 'INBOX', ref: `INBOX:${n}`, at: new Date(NOW.getTime() - n * 60_000), seenAt: NOW }],
  now: NOW,
});

type Row = Record<string, unknown>;

for (const dialect of DIALECTS) {
  describe(`insertNewEmailsUnlessStored on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let ws: WorkspaceRecord;
    let other: WorkspaceRecord;

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'unless'));
      ws = await createWorkspace(db, 'acme-cs', ['ourco.com'], NOW);
      other = await createWorkspace(db, 'other-cs', ['other.com'], new Date(NOW.getTime() + 1));
    });

    afterAll(async () => {
      await close();
    });

    /** A workspace's rows of the four tables, ids replaced by dedup keys, so two workspaces compare. */
    async function rowsOf(w: string): Promise<Row[][]> {
      const emails = (await db.selectFrom('emails').selectAll().where('workspace_id', '=', w).orderBy('dedup_key').execute()) as Row[];
      const key = new Map(emails.map((e) => [e.id as string, e.dedup_key as string]));
      const strip = (r: Row, idCol: string): Row => {
        const { workspace_id: _w, [idCol]: id, ...rest } = r;
        return { ...rest, key: key.get(id as string) ?? `?${id as string}` };
      };
      const child = async (t: 'email_links' | 'participant_hashes' | 'email_sightings', idCol: string) => {
        const rows = (await db.selectFrom(t).selectAll().where('workspace_id', '=', w).execute()) as Row[];
        return rows.map((r) => strip(r, idCol)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      };
      return [
        emails.map((e) => strip(e, 'id')),
        await child('email_links', 'item_id'),
        await child('participant_hashes', 'item_id'),
        (await child('email_sightings', 'email_id')).map(({ connection_id: _c2, ...r }) => r),
      ];
    }

    it('inserts a page none of which is stored, and writes the rows insertNewEmails writes', async () => {
      const page = [1, 2, 3, 4].map((n) => write(n, 'c-ws'));
      const r = await insertNewEmailsUnlessStored(db, ws.id, page);
      expect(r.stored.size).toBe(0);
      expect(r.ids).toHaveLength(4);
      const ids = await db.selectFrom('emails').select(['id', 'dedup_key']).where('workspace_id', '=', ws.id).execute();
      expect(new Map(ids.map((x) => [x.dedup_key, x.id]))).toEqual(new Map(page.map((w, i) => [w.dedupKey, r.ids[i]])));
      await insertNewEmails(
        db,
        other.id,
        [1, 2, 3, 4].map((n) => write(n, 'c-other')),
      );
      expect(await rowsOf(ws.id)).toEqual(await rowsOf(other.id));
    });

    it('reports mail stored since the page was planned and inserts only the rest, without touching what is stored', async () => {
      const before = await rowsOf(ws.id);
      // 2 and 4 are stored in this workspace; 5 and 6 only in the other one, which does not count.
      await insertNewEmails(db, other.id, [write(5, 'c-other'), write(6, 'c-other')]);
      const page = [2, 5, 4, 6].map((n) => write(n, 'c-ws2'));
      const r = await insertNewEmailsUnlessStored(db, ws.id, page);
      expect([...r.stored].sort()).toEqual(['mid:u2@acme.com', 'mid:u4@acme.com']);
      expect(r.ids).toHaveLength(2);
      const after = await rowsOf(ws.id);
      // The stored emails keep their rows; no second sighting (c-ws2) was added for them.
      for (let t = 0; t < 4; t++) {
        const keep = after[t]!.filter((x) => x.key !== 'mid:u5@acme.com' && x.key !== 'mid:u6@acme.com');
        expect(keep).toEqual(before[t]);
      }
      const added = await db.selectFrom('emails').select(['id', 'dedup_key']).where('id', 'in', r.ids).orderBy('dedup_key').execute();
      expect(added.map((x) => x.dedup_key)).toEqual(['mid:u5@acme.com', 'mid:u6@acme.com']);
      expect(added.map((x) => x.id)).toEqual([r.ids[0], r.ids[1]]);
    });

    it('writes rows built ahead in slices as one build would, and drops them for mail stored since', async () => {
      const ahead = await createWorkspace(db, 'ahead-cs', ['ahead.com'], new Date(NOW.getTime() + 2));
      const once = await createWorkspace(db, 'once-cs', ['once.com'], new Date(NOW.getTime() + 3));
      const page = [7, 8, 9, 10, 11].map((n) => write(n, 'c-ahead'));
      let turns = 0;
      const built = await buildNewEmailRows(ahead.id, page, 2, async () => turns++);
      expect(turns).toBe(2);
      const r = await insertNewEmailsUnlessStored(db, ahead.id, page, built);
      expect(r).toEqual({ stored: new Set(), ids: built.ids });
      await insertNewEmails(
        db,
        once.id,
        [7, 8, 9, 10, 11].map((n) => write(n, 'c-once')),
      );
      expect(await rowsOf(ahead.id)).toEqual(await rowsOf(once.id));
      // 8 is stored now: the page's rows built ahead are not written, only 12's, built again.
      const before = await rowsOf(ahead.id);
      const next = [8, 12].map((n) => write(n, 'c-ahead2'));
      const again = await insertNewEmailsUnlessStored(db, ahead.id, next, await buildNewEmailRows(ahead.id, next, 100, async () => {}));
      expect([...again.stored]).toEqual(['mid:u8@acme.com']);
      expect(again.ids).toHaveLength(1);
      const after = await rowsOf(ahead.id);
      for (let t = 0; t < 4; t++) expect(after[t]!.filter((x) => x.key !== 'mid:u12@acme.com')).toEqual(before[t]);
      expect(after[0]!.map((x) => x.key)).toContain('mid:u12@acme.com');
    });

    it('does nothing for an empty page', async () => {
      expect(await insertNewEmailsUnlessStored(db, ws.id, [])).toEqual({ stored: new Set(), ids: [] });
    });
  });
}
