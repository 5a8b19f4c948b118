// A page's linked bodies in one statement (setEmailBodies), on SQLite and PostgreSQL: each row
// gets its own text and HTML, mail not linked keeps none, another workspace is never written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decision.js';
import type { Store } from '../../src/store/db.js';
import { insertNewEmails, setEmailBodies, type EmailWrite } from '../../src/store/email-writes.js';
import { createWorkspace, type WorkspaceRecord } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00.000Z');

const decision = (outcome: Decision['outcome']): Decision => ({
  kind: 'email',
  outcome,
  accounts: [],
  checks: [],
  remedies: [],
  hints: [],
});

const write = (n: number, outcome: Decision['outcome']): EmailWrite => ({
  dedupKey: `mid:b${n}@acme.com`,
  messageId: `b${n}@acme.com`,
  at: NOW,
  decision: decision(outcome),
  content:
    outcome === 'linked'
      ? { participants: { from: [{ address: 'bob@acme.com' }], to: [], cc: [], bcc: [] }, subject: `S${n}`, bodyText: null, bodyHtml: null }
      : null,
  hashes: [],
  newSightings: [],
  now: NOW,
});

for (const dialect of DIALECTS) {
  describe(`setEmailBodies on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let ws: WorkspaceRecord;
    let other: WorkspaceRecord;

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'bodies'));
      ws = await createWorkspace(db, 'acme-cs', ['ourco.com'], NOW);
      other = await createWorkspace(db, 'other-cs', ['other.com'], new Date(NOW.getTime() + 1));
    });

    afterAll(async () => {
      await close();
    });

    it('writes each linked email its own body in one call; not-linked mail and other workspaces stay empty', async () => {
      const ids = await insertNewEmails(db, ws.id, [write(1, 'linked'), write(2, 'linked'), write(3, 'not_linked')]);
      const [otherId] = await insertNewEmails(db, other.id, [write(4, 'linked')]);
      await setEmailBodies(db, ws.id, [
        { id: ids[0]!, text: 'one', html: '<p>one</p>' },
        { id: ids[1]!, text: "two, with “quotes” and 'apostrophes'", html: null },
        { id: ids[2]!, text: 'never kept', html: null },
        { id: otherId!, text: 'not this workspace', html: null },
      ]);
      await setEmailBodies(db, ws.id, []);
      const rows = await db.selectFrom('emails').select(['id', 'body_text', 'body_html']).execute();
      const of = (id: string) => rows.find((r) => r.id === id);
      expect(of(ids[0]!)).toMatchObject({ body_text: 'one', body_html: '<p>one</p>' });
      expect(of(ids[1]!)).toMatchObject({ body_text: "two, with “quotes” and 'apostrophes'", body_html: null });
      expect(of(ids[2]!)).toMatchObject({ body_text: null, body_html: null });
      expect(of(otherId!)).toMatchObject({ body_text: null, body_html: null });
    });
  });
}
