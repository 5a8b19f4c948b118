// The queue of emails a directory change could not re-read yet (migration 015), on both
// stores: a refusal again counts one more attempt and keeps the first time; a connection finds
// only the waiting emails it holds a copy of; every query stays in its workspace; the rows go
// with the workspace's export and deletion; the retention purge keeps a waiting email.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailItem } from '../../src/domain/items.js';
import type { Store } from '../../src/store/db.js';
import { loadDirectoryIndex } from '../../src/store/context.js';
import {
  clearDeferred,
  deferRedecisions,
  deferredDue,
  deferredSince,
  getDeferred,
  hasDeferred,
} from '../../src/store/deferred-redecisions.js';
import { purgeNotLinked } from '../../src/store/retention.js';
import { deleteWorkspace, exportWorkspace } from '../../src/store/workspace-data.js';
import { ingestMailPage } from '../../src/sync/email-ingest.js';
import { seedWorkspace } from '../support/seed.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const T0 = new Date('2026-03-10T12:00:00Z');
const T1 = new Date('2026-03-11T12:00:00Z');

const mail = (messageId: string): EmailItem => ({
  messageId,
  fingerprint: `fp-${messageId}`,
  sentAt: T0,
  receivedAt: T0,
  from: [{ address: 'zed@prospect.example' }],
  to: [{ address: 'alice@ourco.com' }],
  cc: [],
  bcc: [],
  subject: 'Renewal',
});

/** A workspace with two mail connections, an email seen by each; returns the email ids by connection. */
async function workspace(db: Store, slug: string) {
  const { ws, ctx, conns, byId } = await seedWorkspace(db, {
    now: T0,
    slug,
    accounts: [],
    endUsers: [],
    folders: [
      { mail: '/a', authorizedAt: T0 },
      { mail: '/b', authorizedAt: T0 },
    ],
  });
  const dir = await loadDirectoryIndex(ctx);
  const ids: string[] = [];
  for (const [k, c] of conns.entries()) {
    await ingestMailPage(ctx, dir, c, byId, [{ ref: `INBOX/${k}`, folder: 'INBOX', item: mail(`${slug}-${k}@example.com`) }]);
    const row = await db
      .selectFrom('emails')
      .select('id')
      .where('workspace_id', '=', ws.id)
      .where('message_id', '=', `${slug}-${k}@example.com`)
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return { ws, conns, ids };
}

for (const dialect of DIALECTS) {
  describe(`deferred re-decisions on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let a: Awaited<ReturnType<typeof workspace>>;
    let b: Awaited<ReturnType<typeof workspace>>;

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'deferred'));
      a = await workspace(db, 'team-a');
      b = await workspace(db, 'team-b');
    });
    afterAll(() => close());
    /** Every waiting email the connection holds a copy of, whenever last refused. */
    const seenBy = (ws: string, connectionId: string) => deferredDue(db, ws, connectionId, [new Date('2100-01-01T00:00:00Z')], 500);

    it('a refusal again is one more attempt: the first time stays, the last time and error follow', async () => {
      const [x, y] = a.ids as [string, string];
      await deferRedecisions(db, a.ws.id, [{ emailId: x, code: 'THROTTLED', provider: 'graph' }], T0);
      await deferRedecisions(
        db,
        a.ws.id,
        [
          { emailId: x, code: 'NETWORK', provider: 'graph' },
          { emailId: y, code: 'THROTTLED', provider: 'graph' },
        ],
        T1,
      );
      expect(await getDeferred(db, a.ws.id, x)).toEqual({
        emailId: x,
        attempts: 2,
        firstFailedAt: T0,
        lastFailedAt: T1,
        lastError: 'NETWORK',
        provider: 'graph',
      });
      expect((await getDeferred(db, a.ws.id, y))?.attempts).toBe(1);
    });

    it('a connection finds only the due waiting emails it holds a copy of; age finds the old ones', async () => {
      const [x, y] = a.ids as [string, string];
      expect((await seenBy(a.ws.id, a.conns[0]!.id)).map((d) => d.emailId)).toEqual([x]);
      expect((await seenBy(a.ws.id, a.conns[1]!.id)).map((d) => d.emailId)).toEqual([y]);
      expect((await deferredSince(db, a.ws.id, T0)).map((d) => d.emailId)).toEqual([x]);
      // Due by the count of refusals: x (2, last at T1) once T1 is past its second cutoff; y (1, T1) at its first.
      const due = (cutoffs: Date[]) => deferredDue(db, a.ws.id, a.conns[0]!.id, cutoffs, 10);
      expect(await due([T1, T0])).toEqual([]);
      expect((await due([T0, T1])).map((d) => d.emailId)).toEqual([x]);
      expect((await due([T0, T0, T1])).map((d) => d.emailId)).toEqual([]);
      expect((await due([T0, T1, T0])).map((d) => d.emailId)).toEqual([x]);
      expect((await due([T1])).map((d) => d.emailId)).toEqual([x]); // the last cutoff stands for every count beyond
    });

    it('every query stays in its workspace', async () => {
      const [x] = a.ids as [string];
      // Workspace B asks with A's email ids and connections: it sees and clears nothing of A's.
      expect(await hasDeferred(db, b.ws.id)).toBe(false);
      expect(await getDeferred(db, b.ws.id, x)).toBeNull();
      expect(await seenBy(b.ws.id, a.conns[0]!.id)).toEqual([]);
      expect(await deferredSince(db, b.ws.id, T1)).toEqual([]);
      await clearDeferred(db, b.ws.id, a.ids);
      expect(await hasDeferred(db, a.ws.id)).toBe(true);
      await deferRedecisions(db, b.ws.id, [{ emailId: b.ids[0]!, code: 'AUTH_FAILED', provider: 'gmail' }], T1);
      expect((await seenBy(b.ws.id, b.conns[0]!.id)).map((d) => d.lastError)).toEqual(['AUTH_FAILED']);
      expect((await getDeferred(db, a.ws.id, x))?.lastError).toBe('NETWORK');
    });

    it('cleared rows leave the queue; the rest go with the export and the deletion of their workspace', async () => {
      const [x, y] = a.ids as [string, string];
      await clearDeferred(db, a.ws.id, [x]);
      expect(await getDeferred(db, a.ws.id, x)).toBeNull();
      const exported = await exportWorkspace(db, { id: a.ws.id, slug: 'team-a' }, T1);
      expect(exported.tables.deferred_redecisions?.map((r) => r.email_id)).toEqual([y]);
      await deleteWorkspace(db, a.ws.id);
      expect(await hasDeferred(db, a.ws.id)).toBe(false);
      expect(await hasDeferred(db, b.ws.id)).toBe(true);
    });

    it('the retention purge keeps a waiting email (not linked, but not decided yet) until it leaves the queue', async () => {
      const [waiting] = b.ids as [string, string];
      const stored = async () =>
        (await db.selectFrom('emails').select('id').where('workspace_id', '=', b.ws.id).orderBy('id').execute()).map((r) => r.id);
      const later = new Date(T0.getTime() + 31 * 86_400_000);
      expect((await purgeNotLinked(db, b.ws.id, later, 30)).emails).toBe(1);
      expect(await stored()).toEqual([waiting]);
      expect((await getDeferred(db, b.ws.id, waiting))?.lastError).toBe('AUTH_FAILED');
      // Given up (or read): the next purge takes it like any other not-linked email.
      await clearDeferred(db, b.ws.id, [waiting]);
      expect((await purgeNotLinked(db, b.ws.id, later, 30)).emails).toBe(1);
      expect(await stored()).toEqual([]);
    });
  });
}
