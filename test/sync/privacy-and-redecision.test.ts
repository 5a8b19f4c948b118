// In-process tests of the sync loop + store on a real SQLite file: what is kept for
// not-linked mail, how directory changes re-decide the past, and idempotency.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.js';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { addEndUser, deleteEndUser } from '../../src/app/directory-changes.js';
import { accountTimeline } from '../../src/store/timeline.js';
import { listAudit } from '../../src/store/audit.js';
import type { Ctx } from '../../src/store/context.js';
import { seedWorkspace } from '../support/seed.js';

const NOW = new Date('2026-03-20T12:00:00Z');

function eml(opts: { from: string; to: string; id: string; subject: string; date: string }): string {
  return [
    `From: ${opts.from}`,
    `To: ${opts.to}`,
    `Date: ${opts.date}`,
    `Message-ID: <${opts.id}>`,
    `Subject: ${opts.subject}`,
    'Content-Type: text/plain',
    '',
    'Body text that must not be kept when not linked.',
    '',
  ].join('\r\n');
}

let dir: string;
let dbPath: string;
let db: Store;
let ctx: Ctx;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-sync-'));
  dbPath = join(dir, 'tp.db');
  db = await openSqlite(dbPath);
  mkdirSync(join(dir, 'mail', 'INBOX'), { recursive: true });
  writeFileSync(
    join(dir, 'mail', 'INBOX', 'a.eml'),
    eml({
      from: 'Zed Secret <zed.secret@prospect.example>',
      to: 'alice@ourco.com',
      id: 'secret-1@prospect.example',
      subject: 'Confidential pricing for Zed',
      date: 'Tue, 03 Mar 2026 09:15:00 +0000',
    }),
  );
  ({ ctx } = await seedWorkspace(db, { now: NOW, slug: 'test', endUsers: [], folders: [{ mail: join(dir, 'mail') }] }));
});

afterEach(async () => {
  await db.destroy();
});

describe('seen-but-not-linked mail', () => {
  it('keeps no subject, body or plain address, not even in the database file', async () => {
    const [r] = await syncAll(ctx);
    expect(r?.mail).toMatchObject({ seen: 1, linked: 0, notLinked: 1 });
    const row = await db.selectFrom('emails').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      message_id: 'secret-1@prospect.example',
      subject: null,
      participants: null,
      body_text: null,
      body_html: null,
    });
    await db.destroy();
    const bytes = readFileSync(dbPath).toString('latin1') + readFileSync(`${dbPath}-wal`, { flag: 'a+' }).toString('latin1');
    expect(bytes).not.toContain('Confidential pricing');
    expect(bytes).not.toContain('zed.secret@prospect.example');
    expect(bytes).not.toContain('must not be kept');
    db = await openSqlite(dbPath);
  });

  it('is linked, with its subject, once the sender is added as an end user — and unlinked and scrubbed again on delete', async () => {
    await syncAll(ctx);
    const added = await addEndUser(ctx, { accountId: 'acme', email: 'Zed.Secret@prospect.example', source: 'manual' });
    expect(added.linked).toEqual([expect.objectContaining({ kind: 'email', ref: 'secret-1@prospect.example', accountId: 'acme' })]);
    const timeline = await accountTimeline(db, ctx.ws.id, 'acme');
    expect(timeline.map((i) => i.kind === 'email' && i.subject)).toEqual(['Confidential pricing for Zed']);

    const removed = await deleteEndUser(ctx, 'acme', 'zed.secret@prospect.example', false);
    expect(removed.unlinked).toHaveLength(1);
    expect(await accountTimeline(db, ctx.ws.id, 'acme')).toEqual([]);
    const row = await db.selectFrom('emails').selectAll().executeTakeFirstOrThrow();
    expect(row.subject).toBeNull();
    const audit = await listAudit(db, ctx.ws.id);
    expect(audit.map((a) => a.action)).toEqual(['end_user.delete', 'end_user.add']);
    expect(audit[1]?.details.linked).toHaveLength(1);
  });

  it('re-linking counts mail whose file is gone or no longer parses as unavailable, and links the rest', async () => {
    const inbox = join(dir, 'mail', 'INBOX');
    for (const n of [2, 3])
      writeFileSync(
        join(inbox, `${'abc'[n - 1]}.eml`),
        eml({
          from: 'zed.secret@prospect.example',
          to: 'alice@ourco.com',
          id: `secret-${n}@prospect.example`,
          subject: `Pricing ${n}`,
          date: `Tue, 0${n + 2} Mar 2026 09:15:00 +0000`,
        }),
      );
    expect((await syncAll(ctx))[0]?.mail).toMatchObject({ seen: 3, notLinked: 3 });
    rmSync(join(inbox, 'b.eml'));
    writeFileSync(join(inbox, 'c.eml'), 'X-Note: not a message any more\r\n\r\n');
    const added = await addEndUser(ctx, { accountId: 'acme', email: 'zed.secret@prospect.example', source: 'manual' });
    expect(added.linked.map((l) => l.ref)).toEqual(['secret-1@prospect.example']);
    expect(added.unavailable).toBe(2);
    const timeline = await accountTimeline(db, ctx.ws.id, 'acme');
    expect(timeline.map((i) => i.kind === 'email' && i.subject)).toEqual(['Confidential pricing for Zed']);
  });

  it('syncing the same input twice changes nothing', async () => {
    await addEndUser(ctx, { accountId: 'acme', email: 'zed.secret@prospect.example', source: 'manual' });
    await syncAll(ctx);
    const snapshot = async () => ({
      emails: await db.selectFrom('emails').select(['id', 'outcome', 'subject']).execute(),
      sightings: await db.selectFrom('email_sightings').select(['email_id', 'ref']).execute(),
      links: await db.selectFrom('email_links').select(['item_id', 'account_id']).execute(),
    });
    const first = await snapshot();
    const [again] = await syncAll({ ...ctx, now: new Date('2026-03-20T12:05:00Z') });
    expect(again?.mail.seen).toBe(0);
    expect(await snapshot()).toEqual(first);
  });
});
