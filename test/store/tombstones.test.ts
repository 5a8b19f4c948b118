// Issue 13, item 7: explanations outlive retention. A not-linked email (and meeting
// occurrence) purged by the daily retention leaves a tombstone, so explain answers "seen on
// 3 Mar in INBOX, not linked: … (E3); details removed after 30 days" — not "none has seen it".
// Tombstones keep no content and no address in clear, and go with the workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailItem } from '../../src/domain/items.js';
import type { Store } from '../../src/store/db.js';
import { loadDirectoryIndex, type Ctx } from '../../src/store/context.js';
import { countSeen } from '../../src/store/folder-counts.js';
import { purgeNotLinked } from '../../src/store/retention.js';
import { meetingTombstoneKey, tombstoneKey, writeTombstones } from '../../src/store/tombstones.js';
import { deleteWorkspace, exportWorkspace } from '../../src/store/workspace-data.js';
import { ingestMailPage } from '../../src/sync/email-ingest.js';
import { explainEmail, explainMeeting } from '../../src/troubleshoot/explain.js';
import { seedWorkspace } from '../support/seed.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const AUTH = new Date('2026-03-01T00:00:00Z');
const SEEN = new Date('2026-03-03T10:00:00Z');
const LATER = new Date('2026-04-10T00:00:00Z'); // > 30 days after SEEN: purged

const mail = (messageId: string, from: string): EmailItem => ({
  messageId,
  fingerprint: `fp-${messageId}`,
  sentAt: SEEN,
  receivedAt: SEEN,
  from: [{ address: from }],
  to: [{ address: 'alice@ourco.com' }],
  cc: [],
  bcc: [],
  subject: 'Invoice question',
});

for (const dialect of DIALECTS) {
  describe(`tombstones on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let ctx: Ctx;
    let connId: string;

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'tombstones'));
      const seed = await seedWorkspace(db, {
        now: SEEN,
        teammates: [{ email: 'alice@ourco.com', name: 'Alice' }],
        folders: [{ authorizedAt: AUTH }],
      });
      ctx = seed.ctx;
      connId = seed.conns[0]!.id;
      await ingestMailPage(ctx, await loadDirectoryIndex(ctx), seed.conns[0]!, seed.byId, [
        { ref: 'INBOX/1', folder: 'INBOX', item: mail('plus@acme.com', 'john+billing@acme.com') },
        { ref: 'INBOX/2', folder: 'INBOX', item: mail('linked@acme.com', 'john@acme.com') },
      ]);
    });
    afterAll(async () => close());

    it('before the purge: explained from the store', async () => {
      const e = await explainEmail(ctx, '<plus@acme.com>');
      expect(e.outcome).toBe('not_linked');
      expect(e.purged).toBeUndefined();
    });

    it('after the purge: seen on 3 Mar in INBOX, not linked (E3), details removed after 30 days', async () => {
      const r = await purgeNotLinked(db, ctx.ws.id, LATER, 30);
      expect(r.emails).toBe(1);
      const e = await explainEmail({ ...ctx, now: LATER }, 'plus@acme.com');
      expect(e.outcome).toBe('not_linked');
      expect(e.checks.map((c) => c.code)).toEqual(['E3_NO_END_USER']);
      expect(e.purged).toMatchObject({ seenAt: SEEN.toISOString(), at: SEEN.toISOString(), retentionDays: 30 });
      expect(e.purged?.where).toEqual([expect.objectContaining({ folder: 'INBOX', teammate: 'alice@ourco.com' })]);
      expect(e.summary).toMatch(/^Seen on 3 Mar 2026 in INBOX, not linked: .*\(E3\); details removed after 30 days/);
      // The linked one is untouched and still explained from the store.
      expect((await explainEmail({ ...ctx, now: LATER }, 'linked@acme.com')).outcome).toBe('linked');
      // Never seen at all is still "unknown".
      expect((await explainEmail({ ...ctx, now: LATER }, 'never@acme.com')).outcome).toBe('unknown');
    });

    it("after the purge the folder still counts both as seen (the tombstone's), so it does not look short", async () => {
      expect(await countSeen(db, ctx.ws.id, connId, 'INBOX')).toBe(2);
      expect(await countSeen(db, ctx.ws.id, connId, 'Archive')).toBe(0);
      expect(await countSeen(db, ctx.ws.id, 'another-connection', 'INBOX')).toBe(0);
    });

    it('a purged meeting occurrence is answered from its tombstone too', async () => {
      await writeTombstones(db, ctx.ws.id, [
        {
          kind: 'meeting',
          keyHash: tombstoneKey(ctx.ws.hashKey, meetingTombstoneKey('series-1@example.com')),
          occurrenceStart: '2026-03-04T15:00:00.000Z',
          at: new Date('2026-03-04T15:00:00Z'),
          firstSeenAt: SEEN,
          purgedAt: LATER,
          retentionDays: 30,
          outcome: 'not_linked',
          codes: ['M4_CUSTOMER_ORGANIZES'],
          seenIn: [],
        },
      ]);
      const e = await explainMeeting({ ...ctx, now: LATER }, 'series-1@example.com');
      expect(e).toMatchObject({ outcome: 'not_linked', occurrence: '2026-03-04T15:00:00.000Z' });
      expect(e.checks.map((c) => c.code)).toEqual(['M4_CUSTOMER_ORGANIZES']);
      expect(e.summary).toContain('details removed after 30 days');
      await db.deleteFrom('tombstones').where('kind', '=', 'meeting').execute();
    });

    it('a tombstone keeps no content and no address in clear; it is exported and deleted with the workspace', async () => {
      const rows = await db.selectFrom('tombstones').selectAll().execute();
      expect(rows).toHaveLength(1);
      const text = JSON.stringify(rows);
      expect(text).not.toMatch(/acme\.com|Invoice|plus@/);
      const exported = await exportWorkspace(db, { id: ctx.ws.id, slug: 'cs' }, LATER);
      expect(exported.tables.tombstones).toHaveLength(1);
      await deleteWorkspace(db, ctx.ws.id);
      expect(await db.selectFrom('tombstones').selectAll().execute()).toEqual([]);
    });
  });
}
