// A page's plan on SQLite and PostgreSQL (on PostgreSQL its first copies are decided while the
// dedup look-up runs): which mail is new and which goes the stored path, in the page's order,
// and whose body is read — mail already stored and second copies never have theirs read again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailItem } from '../../src/domain/items.js';
import type { ConnectionRecord } from '../../src/store/connections.js';
import { loadDirectoryIndex, type Ctx } from '../../src/store/context.js';
import { planMailPage, writeMailPage } from '../../src/sync/email-ingest.js';
import { seedWorkspace } from '../support/seed.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00Z');

/** Even numbers are from a customer (linked), odd ones from a stranger; headers only. */
function mail(n: number): EmailItem {
  const receivedAt = new Date(Date.UTC(2026, 2, 10, 9, n));
  return {
    messageId: `m${n}@example.com`,
    fingerprint: `fp-${n}`,
    sentAt: receivedAt,
    receivedAt,
    from: [{ address: n % 2 ? 'someone@elsewhere.example' : 'carol@acme.example' }],
    to: [{ address: 'alice@ourco.com' }],
    cc: [],
    bcc: [],
    subject: `Message ${n}`,
  };
}

for (const dialect of DIALECTS) {
  describe(`planMailPage on ${dialect}`, () => {
    let close: () => Promise<void>;
    let ctx: Ctx;
    let conn: ConnectionRecord;
    let conns: Map<string, ConnectionRecord>;

    beforeAll(async () => {
      const t = await openTestStore(dialect, 'plan-page');
      close = t.close;
      const seed = await seedWorkspace(t.db, { now: NOW, slug: 'acme-cs', endUsers: [{ accountId: 'acme', email: 'carol@acme.example' }] });
      ctx = seed.ctx;
      conns = seed.byId;
      conn = seed.conns[0]!;
    });

    afterAll(async () => {
      await close();
    });

    it('plans new mail as new and stored mail or a second copy as stored, in order; reads the bodies of new linked mail only', async () => {
      const dir = await loadDirectoryIndex(ctx);
      const bodyOf = async (ref: string): Promise<EmailItem> => ({ ...mail(0), text: `body of ${ref}` });
      const first = await planMailPage(
        ctx,
        dir,
        conn,
        conns,
        [1, 2].map((n) => ({ ref: `INBOX:${n}`, folder: 'INBOX', item: mail(n) })),
        bodyOf,
      );
      await ctx.db.transaction().execute((trx) => writeMailPage({ ...ctx, db: trx }, dir, conn, conns, first));

      const asked: string[] = [];
      const fetchBody = async (ref: string) => {
        asked.push(ref);
        return bodyOf(ref);
      };
      const refs: [string, number][] = [
        ['INBOX:3', 3],
        ['Archive:2', 2], // stored by the first page
        ['INBOX:4', 4],
        ['Sent:4', 4], // a second copy in this page
        ['INBOX:6', 6],
        ['Archive:1', 1], // stored
      ];
      const plan = await planMailPage(
        ctx,
        dir,
        conn,
        conns,
        refs.map(([ref, n]) => ({ ref, folder: ref.split(':')[0]!, item: mail(n) })),
        fetchBody,
      );
      expect(plan.fresh.map((f) => [f.sighting.ref, f.decision.outcome])).toEqual([
        ['INBOX:3', 'not_linked'],
        ['INBOX:4', 'linked'],
        ['INBOX:6', 'linked'],
      ]);
      expect(plan.again.map((s) => s.ref)).toEqual(['Archive:2', 'Sent:4', 'Archive:1']);
      expect(asked.sort()).toEqual(['INBOX:4', 'INBOX:6']);
      expect(plan.fresh.map((f) => f.write.content?.bodyText ?? null)).toEqual([null, 'body of INBOX:4', 'body of INBOX:6']);
    });
  });
}
