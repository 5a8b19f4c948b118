// An email's links carry its Message-ID and subject (migration 016), so a timeline page and
// search read no email row. The copies must equal the email's own columns after every write
// that makes links: a sync's new mail, and a directory change that links stored mail to one
// more account (its content kept, not rewritten), and a link the previous release writes
// without them during a rolling deploy (a trigger fills them). On both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountTimelinePage } from '../../src/app/account-timeline.js';
import { addEndUser } from '../../src/app/directory-changes.js';
import type { EmailItem } from '../../src/domain/items.js';
import { insertAll } from '../../src/store/bulk-insert.js';
import { loadDirectoryIndex, type Ctx } from '../../src/store/context.js';
import { ingestMailPage } from '../../src/sync/email-ingest.js';
import { search } from '../../src/app/search.js';
import { DIALECTS, openTestStore } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';

const NOW = new Date('2026-03-20T12:00:00Z');

const mail = (i: number): EmailItem => ({
  messageId: `m${i}@acme.com`,
  fingerprint: `fp-${i}`,
  sentAt: new Date(Date.UTC(2026, 2, 1 + i)),
  receivedAt: new Date(Date.UTC(2026, 2, 1 + i)),
  from: [{ address: 'john@acme.com' }],
  to: [{ address: 'alice@ourco.com' }],
  cc: [],
  bcc: [],
  subject: `Mail ${i}`,
});

describe.each(DIALECTS)("an email's links carry what its timeline row shows (%s)", (dialect) => {
  let close: () => Promise<void>;
  let ctx: Ctx;

  const linksAgainstEmails = async () => {
    const rows = await ctx.db
      .selectFrom('email_links')
      .innerJoin('emails', 'emails.id', 'email_links.item_id')
      .select([
        'email_links.account_id',
        'email_links.message_id as link_message_id',
        'email_links.subject as link_subject',
        'emails.message_id',
        'emails.subject',
      ])
      .where('email_links.workspace_id', '=', ctx.ws.id)
      .orderBy('email_links.account_id')
      .orderBy('emails.message_id')
      .execute();
    return rows;
  };

  beforeAll(async () => {
    const store = await openTestStore(dialect, 'link-shown-columns');
    close = store.close;
    const seed = await seedWorkspace(store.db, {
      now: NOW,
      accounts: [
        { id: 'acme', name: 'Acme' },
        { id: 'parent', name: 'Acme Holding' },
      ],
    });
    ctx = seed.ctx;
    await ingestMailPage(
      ctx,
      await loadDirectoryIndex(ctx),
      seed.conns[0]!,
      seed.byId,
      [0, 1, 2].map((i) => ({ ref: `INBOX/${i}`, folder: 'INBOX', item: mail(i) })),
    );
  });
  afterAll(async () => close?.());

  it('a synced email: its link holds its Message-ID and subject, and the page and search show them', async () => {
    const rows = await linksAgainstEmails();
    expect(rows.map((r) => [r.account_id, r.link_message_id, r.link_subject])).toEqual([
      ['acme', 'm0@acme.com', 'Mail 0'],
      ['acme', 'm1@acme.com', 'Mail 1'],
      ['acme', 'm2@acme.com', 'Mail 2'],
    ]);
    const page = await accountTimelinePage(ctx, 'acme');
    expect(page.items.map((i) => (i.kind === 'email' ? [i.messageId, i.subject] : []))).toEqual([
      ['m2@acme.com', 'Mail 2'],
      ['m1@acme.com', 'Mail 1'],
      ['m0@acme.com', 'Mail 0'],
    ]);
    const found = await search(ctx, { q: 'john@acme.com' });
    expect(found.activities.map((a) => (a.kind === 'email' ? [a.messageId, a.subject] : []))).toEqual([
      ['m2@acme.com', 'Mail 2'],
      ['m1@acme.com', 'Mail 1'],
      ['m0@acme.com', 'Mail 0'],
    ]);
  });

  it('stored mail linked to one more account by a directory change: the new links hold the stored subject', async () => {
    await addEndUser(ctx, { accountId: 'parent', email: 'john@acme.com', source: 'manual' });
    const rows = await linksAgainstEmails();
    expect(rows).toHaveLength(6);
    for (const r of rows) {
      expect(r.link_message_id, r.account_id).toBe(r.message_id);
      expect(r.link_subject, r.account_id).toBe(r.subject);
    }
    const page = await accountTimelinePage(ctx, 'parent');
    expect(page.items.map((i) => (i.kind === 'email' ? i.subject : ''))).toEqual(['Mail 2', 'Mail 1', 'Mail 0']);
  });

  it('a link written without them, as the previous release writes it (with its email, in one statement on PostgreSQL), gets them from its email', async () => {
    const at = '2026-03-10T09:00:00.000Z';
    const decision = JSON.stringify({ kind: 'email', outcome: 'linked', accounts: [], checks: [], remedies: [], hints: [] });
    const via = JSON.stringify([{ email: 'john@acme.com', field: 'from' }]);
    await insertAll(ctx.db, [
      {
        table: 'emails',
        columns: ['id', 'workspace_id', 'dedup_key', 'message_id', 'at', 'outcome', 'decision', 'subject', 'decided_at', 'first_seen_at'],
        rows: [['old-writer', ctx.ws.id, 'mid:old@acme.com', 'old@acme.com', at, 'linked', decision, 'From the old release', at, at]],
      },
      {
        table: 'email_links',
        columns: ['workspace_id', 'item_id', 'account_id', 'via', 'at'],
        rows: [[ctx.ws.id, 'old-writer', 'acme', via, at]],
      },
    ]);
    const page = await accountTimelinePage(ctx, 'acme');
    expect(page.items.map((i) => (i.kind === 'email' ? [i.messageId, i.subject] : []))[0]).toEqual([
      'old@acme.com',
      'From the old release',
    ]);
    const found = await search(ctx, { q: 'john@acme.com' });
    expect(found.activities.map((a) => (a.kind === 'email' ? a.subject : ''))[0]).toBe('From the old release');
  });
});
