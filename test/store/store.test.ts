// The store's query families on both databases: every test runs on SQLite and on
// PostgreSQL (`for (const dialect of DIALECTS)`), on a fresh database each.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decision.js';
import type { Store } from '../../src/store/db.js';
import { listAudit, recordAudit } from '../../src/store/audit.js';
import {
  clearItemError,
  createConnection,
  getConnection,
  getCursor,
  listConnections,
  listItemErrors,
  recordItemError,
  saveCursor,
  updateConnection,
} from '../../src/store/connections.js';
import {
  addAccount,
  addBlocklistEntry,
  addSuppression,
  addTeammate,
  deleteEndUserRow,
  findEndUser,
  insertEndUser,
  isSuppressed,
  listBlocklist,
  listEndUsers,
  listTeammates,
  loadDirectory,
  removeBlocklistEntry,
  teammateByAddress,
} from '../../src/store/directory.js';
import { emailSightings, findEmailByKey, findEmailsByMessageId, itemIdsByHashes, linkedEmailIds } from '../../src/store/emails.js';
import { saveEmail } from '../../src/store/email-writes.js';
import {
  calendarRefsWithPrefix,
  findMeeting,
  meetingsByUid,
  saveCalendarObject,
  saveMeeting,
  searchMeetings,
  upcomingStartedBy,
} from '../../src/store/meetings.js';
import { accountTimeline, connectionCounts } from '../../src/store/timeline.js';
import { createToken, expiryFrom, findToken, isExpired, listTokens, revokeToken, touchToken } from '../../src/store/tokens.js';
import { dueEvents, enqueueWebhookEvents, markAttemptFailed, markDelivered, outboxCounts, putWebhook } from '../../src/store/webhooks.js';
import {
  createWorkspace,
  findWorkspace,
  listWorkspaces,
  updateWorkspaceSettings,
  type WorkspaceRecord,
} from '../../src/store/workspaces.js';
import { addEndUser, addToBlocklist, deleteEndUser } from '../../src/app/directory-changes.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { seedWorkspace } from '../support/seed.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const NOW = new Date('2026-03-20T12:00:00.000Z');
const AUTH = new Date('2026-03-01T00:00:00.000Z');

function decision(outcome: Decision['outcome'], accounts: string[] = []): Decision {
  return {
    kind: 'email',
    outcome,
    accounts: accounts.map((id) => ({ id, via: [{ email: 'bob@acme.com', endUserId: 'u1', source: 'manual', field: 'from' }] })),
    checks: [
      {
        rule: 'E3',
        status: outcome === 'linked' ? 'pass' : 'fail',
        code: outcome === 'linked' ? 'E3_END_USER' : 'E3_NO_END_USER',
        detail: 'bob@acme.com',
      },
    ],
    remedies: [],
    hints: [],
  };
}

function eml(id: string, from: string, subject: string, date = 'Tue, 03 Mar 2026 09:15:00 +0000'): string {
  return [`From: ${from}`, 'To: alice@ourco.com', `Date: ${date}`, `Message-ID: <${id}>`, `Subject: ${subject}`, '', 'body', ''].join(
    '\r\n',
  );
}

for (const dialect of DIALECTS) {
  describe(`store on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let ws: WorkspaceRecord;
    let other: WorkspaceRecord;
    let alice: string;
    let conn: string;

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'store'));
      ws = await createWorkspace(db, 'acme-cs', ['ourco.com'], NOW);
      other = await createWorkspace(db, 'other-cs', ['other.com'], new Date(NOW.getTime() + 1));
      alice = (await addTeammate(db, ws.id, { email: 'Alice@ourco.com', aliases: ['alice.w@ourco.com'], name: 'Alice' }, NOW)).id;
      await addAccount(db, ws.id, { id: 'acme', name: 'Acme' }, NOW);
      await addAccount(db, ws.id, { id: 'globex', name: 'Globex' }, NOW);
      conn = await createConnection(
        db,
        ws.id,
        { teammateId: alice, provider: 'folder', config: { mail: '/nowhere' }, hasMail: true, hasCalendar: false, authorizedAt: AUTH },
        NOW,
      );
    });
    afterAll(async () => close());

    it('workspaces: create, find by slug, settings', async () => {
      expect((await findWorkspace(db))?.slug).toBe('acme-cs');
      expect((await findWorkspace(db, 'other-cs'))?.id).toBe(other.id);
      expect((await listWorkspaces(db)).map((w) => w.slug)).toEqual(['acme-cs', 'other-cs']);
      await updateWorkspaceSettings(db, other.id, { syncIntervalMinutes: 15, internalDomains: ['other.com', 'other.io'] });
      const o = await findWorkspace(db, 'other-cs');
      expect(o).toMatchObject({ syncIntervalMinutes: 15, internalDomains: ['other.com', 'other.io'] });
      expect(o?.hashKey.length).toBe(32);
    });

    it('directory: teammates and aliases, accounts, end users, blocklist, suppressions', async () => {
      expect((await teammateByAddress(db, ws.id, 'ALICE.W@ourco.com'))?.id).toBe(alice);
      expect(await teammateByAddress(db, other.id, 'alice@ourco.com')).toBeUndefined();
      expect((await listTeammates(db, ws.id))[0]).toMatchObject({ email: 'Alice@ourco.com', aliases: ['alice.w@ourco.com'] });

      const u = await insertEndUser(
        db,
        ws.id,
        { accountId: 'acme', email: ' Bob@Acme.com ', source: 'crm:salesforce', externalId: 'sf-1' },
        NOW,
      );
      expect(u).toMatchObject({ email: 'Bob@Acme.com', source: 'crm:salesforce', externalId: 'sf-1' });
      await insertEndUser(db, ws.id, { accountId: 'globex', email: 'a_b@globex.com', source: 'manual' }, NOW);
      await insertEndUser(db, ws.id, { accountId: 'globex', email: 'axb@globex.com', source: 'manual' }, NOW);
      expect((await findEndUser(db, ws.id, 'acme', 'bob@acme.com'))?.id).toBe(u.id);
      expect(await findEndUser(db, other.id, 'acme', 'bob@acme.com')).toBeUndefined();
      // "_" and "%" are literal in a search, on both databases.
      expect((await listEndUsers(db, ws.id, { emailLike: 'a_b' })).map((x) => x.email)).toEqual(['a_b@globex.com']);
      expect((await listEndUsers(db, ws.id, { accountId: 'globex' })).map((x) => x.email)).toEqual(['a_b@globex.com', 'axb@globex.com']);
      // One address, one account: the unique constraint holds on both.
      await expect(insertEndUser(db, ws.id, { accountId: 'acme', email: 'bob@acme.com', source: 'manual' }, NOW)).rejects.toThrow();

      expect(await addBlocklistEntry(db, ws.id, { entry: 'partner.com', kind: 'domain' }, NOW)).toBe(true);
      expect(await addBlocklistEntry(db, ws.id, { entry: 'partner.com', kind: 'domain' }, NOW)).toBe(false);
      expect(await listBlocklist(db, ws.id)).toEqual([{ entry: 'partner.com', kind: 'domain' }]);
      expect(await listBlocklist(db, other.id)).toEqual([]);
      expect(await removeBlocklistEntry(db, ws.id, 'partner.com')).toBe(true);
      expect(await removeBlocklistEntry(db, ws.id, 'partner.com')).toBe(false);

      await addSuppression(db, ws.id, { source: 'crm:salesforce', accountId: 'acme', email: 'Gone@acme.com' }, NOW);
      await addSuppression(db, ws.id, { source: 'crm:salesforce', accountId: 'acme', email: 'gone@acme.com' }, NOW); // idempotent
      expect(await isSuppressed(db, ws.id, 'crm:salesforce', 'acme', 'GONE@acme.com')).toBe(true);
      expect(await isSuppressed(db, other.id, 'crm:salesforce', 'acme', 'gone@acme.com')).toBe(false);

      const snap = await loadDirectory(db, ws.id, ws.internalDomains);
      expect(snap.endUsers).toHaveLength(3);
      expect(snap.accounts.map((a) => a.id)).toEqual(['acme', 'globex']);
      await deleteEndUserRow(db, ws.id, (await findEndUser(db, ws.id, 'globex', 'axb@globex.com'))!.id);
      expect(await listEndUsers(db, ws.id, { accountId: 'globex' })).toHaveLength(1);
    });

    it('connections: status fields, cursors, per-item errors', async () => {
      const c = await getConnection(db, ws.id, conn);
      expect(c).toMatchObject({
        provider: 'folder',
        status: 'active',
        hasMail: true,
        hasCalendar: false,
        authorizedAt: AUTH,
        nextSyncAt: NOW,
      });
      expect(c?.ownerAddresses.sort()).toEqual(['alice.w@ourco.com', 'alice@ourco.com']);
      expect(await getConnection(db, other.id, conn)).toBeUndefined();
      await updateConnection(db, ws.id, conn, {
        status: 'needs_reauth',
        statusReason: 'password rejected',
        lastError: 'password rejected',
        nextSyncAt: null,
      });
      expect(await getConnection(db, ws.id, conn)).toMatchObject({
        status: 'needs_reauth',
        lastError: 'password rejected',
        nextSyncAt: null,
      });
      await updateConnection(db, other.id, conn, { status: 'active' }); // another workspace: no effect
      expect((await getConnection(db, ws.id, conn))?.status).toBe('needs_reauth');
      await updateConnection(db, ws.id, conn, { status: 'active', lastError: null, nextSyncAt: NOW });

      expect(await getCursor(db, conn, 'mail')).toBeNull();
      await saveCursor(db, conn, 'mail', { a: 1 }, NOW);
      await saveCursor(db, conn, 'mail', { a: 2, b: 'x' }, NOW);
      expect(await getCursor(db, conn, 'mail')).toEqual({ a: 2, b: 'x' });

      await recordItemError(db, ws.id, conn, 'INBOX/x.eml', 'bad', NOW);
      await recordItemError(db, ws.id, conn, 'INBOX/x.eml', 'worse', new Date(NOW.getTime() + 1000));
      expect(await listItemErrors(db, ws.id, conn)).toEqual([
        { where: 'INBOX/x.eml', reason: 'worse', lastSeenAt: '2026-03-20T12:00:01.000Z' },
      ]);
      await clearItemError(db, conn, 'INBOX/x.eml');
      expect(await listItemErrors(db, ws.id, conn)).toEqual([]);
    });

    it('emails: one row per message, sightings kept, links replaced, hashes found; idempotent', async () => {
      const write = {
        dedupKey: 'mid:m1@acme.com',
        messageId: 'm1@acme.com',
        at: AUTH,
        decision: decision('linked', ['acme']),
        content: {
          participants: { from: [{ address: 'bob@acme.com' }], to: [], cc: [], bcc: [] },
          subject: 'Renewal',
          bodyText: 'hi',
          bodyHtml: null,
        },
        hashes: ['h-bob', 'h-alice'],
        newSightings: [{ connectionId: conn, folder: 'INBOX', ref: 'INBOX/1.eml', at: AUTH, seenAt: NOW }],
        now: NOW,
      };
      const id = await saveEmail(db, ws.id, write);
      const again = await saveEmail(db, ws.id, { ...write, id, decision: decision('linked', ['acme', 'globex']) });
      expect(again).toBe(id);
      expect(await findEmailsByMessageId(db, ws.id, 'm1@acme.com')).toHaveLength(1);
      expect(await findEmailsByMessageId(db, other.id, 'm1@acme.com')).toHaveLength(0);
      expect((await findEmailByKey(db, ws.id, 'mid:m1@acme.com'))?.decision.accounts.map((a) => a.id)).toEqual(['acme', 'globex']);
      expect(await emailSightings(db, ws.id, id)).toHaveLength(1);
      expect(await itemIdsByHashes(db, ws.id, 'email', ['h-bob', 'nope'])).toEqual([id]);
      expect(await itemIdsByHashes(db, other.id, 'email', ['h-bob'])).toEqual([]);
      expect(await linkedEmailIds(db, ws.id)).toEqual([id]);

      // Not linked: no subject, body or participants are kept.
      const nl = await saveEmail(db, ws.id, { ...write, id, decision: decision('not_linked') });
      const row = await db.selectFrom('emails').selectAll().where('id', '=', nl).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ outcome: 'not_linked', subject: null, participants: null, body_text: null });
      expect(JSON.parse(row.decision).checks[0].detail).toBe('');
      expect(await accountTimeline(db, ws.id, 'acme')).toEqual([]);
      await saveEmail(db, ws.id, { ...write, id });
      const tl = await accountTimeline(db, ws.id, 'acme');
      expect(tl).toMatchObject([{ kind: 'email', id, subject: 'Renewal', at: AUTH.toISOString() }]);
      expect(await accountTimeline(db, other.id, 'acme')).toEqual([]);
      const counts = await connectionCounts(db, ws.id, conn);
      expect(counts.email).toEqual({ seen: 1, linked: 1, upcoming: 0, skipped: {} });
    });

    it('meetings: occurrences by UID + start, upcoming ones found when started, title search', async () => {
      const occ = {
        uid: 'evt-1@ourco.com',
        start: new Date('2026-03-21T10:00:00Z'),
        end: new Date('2026-03-21T10:30:00Z'),
        allDay: false,
        title: 'QBR 100% review',
        organizer: { address: 'alice@ourco.com' },
        attendees: [],
        cancelled: false,
        recurring: false,
      };
      const d: Decision = { ...decision('upcoming'), kind: 'meeting' };
      const id = await saveMeeting(db, ws.id, {
        occurrence: occ,
        decision: d,
        hashes: ['h1'],
        sighting: { connectionId: conn, ref: 'a.ics' },
        now: NOW,
      });
      expect((await findMeeting(db, ws.id, occ.uid, occ.start))?.id).toBe(id);
      expect(await findMeeting(db, other.id, occ.uid, occ.start)).toBeUndefined();
      expect((await meetingsByUid(db, ws.id, occ.uid))[0]?.occurrence.start).toEqual(occ.start);
      expect(await upcomingStartedBy(db, ws.id, NOW)).toEqual([]);
      expect((await upcomingStartedBy(db, ws.id, new Date('2026-03-21T10:00:00Z'))).map((m) => m.id)).toEqual([id]);
      const range = [new Date('2026-03-21T00:00:00Z'), new Date('2026-03-22T00:00:00Z')] as const;
      // Case-insensitive, and "%" is literal, on both databases.
      expect((await searchMeetings(db, ws.id, 'qbr 100%', ...range)).map((m) => m.id)).toEqual([id]);
      expect(await searchMeetings(db, ws.id, 'QBR 1000', ...range)).toEqual([]);
      await saveMeeting(db, ws.id, {
        id,
        occurrence: occ,
        decision: { ...d, outcome: 'linked', accounts: [{ id: 'globex', via: [] }] },
        hashes: ['h1'],
        now: NOW,
      });
      expect((await accountTimeline(db, ws.id, 'globex')).map((i) => i.kind)).toEqual(['meeting']);
    });

    it('calendar objects: the refs of one series by prefix, exactly (no LIKE wildcards, case kept), in its workspace', async () => {
      const put = (ref: string, workspace = ws.id) =>
        saveCalendarObject(db, {
          workspace_id: workspace,
          connection_id: conn,
          ref,
          version: '1',
          ics: null,
          occurrences: '[]',
          recurring: 0,
          expanded_until: NOW.toISOString(),
        });
      for (const ref of [
        'abc_20260302T100000Z',
        'abc_20260309T100000Z',
        'abcd_20260302T100000Z',
        'aXc_20260302T100000Z',
        'ABC_20260302T100000Z',
      ])
        await put(ref);
      await put('abc_20260316T100000Z', other.id);
      expect(await calendarRefsWithPrefix(db, ws.id, conn, 'abc_')).toEqual(['abc_20260302T100000Z', 'abc_20260309T100000Z']);
      expect(await calendarRefsWithPrefix(db, other.id, conn, 'abc_')).toEqual(['abc_20260316T100000Z']);
      expect(await calendarRefsWithPrefix(db, ws.id, 'another-connection', 'abc_')).toEqual([]);
    });

    it('audit log: newest first, numbered by the database', async () => {
      for (const action of ['a.one', 'a.two', 'a.three'])
        await recordAudit(db, ws.id, { at: NOW.toISOString(), actor: 'test', action, target: 't', details: { n: action } });
      await recordAudit(db, other.id, { at: NOW.toISOString(), actor: 'test', action: 'other', target: 't', details: {} });
      expect((await listAudit(db, ws.id, 3)).map((a) => a.action)).toEqual(['a.three', 'a.two', 'a.one']);
      expect((await listAudit(db, other.id)).map((a) => a.action)).toEqual(['other']);
    });

    it('api tokens: stored hashed, found by value, revocable', async () => {
      const { token, record } = await createToken(db, ws.id, { name: 'ci', role: 'admin' }, NOW);
      expect(token).toMatch(/^tp_[A-Za-z0-9_-]{43}$/);
      const stored = await db.selectFrom('api_tokens').selectAll().where('id', '=', record.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(await findToken(db, token)).toMatchObject({ workspaceId: ws.id, role: 'admin', name: 'ci' });
      expect(await findToken(db, `${token}x`)).toBeUndefined();
      expect(await revokeToken(db, other.id, record.id, NOW)).toBe(false);
      expect(await revokeToken(db, ws.id, record.id, NOW)).toBe(true);
      expect(await findToken(db, token)).toBeUndefined();
      expect((await listTokens(db, ws.id)).map((t) => t.revokedAt)).toEqual([NOW.toISOString()]);
    });

    it('api tokens: an optional expiry, and the last use written at most once a minute', async () => {
      const { token, record } = await createToken(db, ws.id, { name: 'temp', role: 'csm', expiresAt: expiryFrom('90d', NOW) }, NOW);
      expect(record.expiresAt).toBe(new Date(NOW.getTime() + 90 * 86_400_000).toISOString());
      const found = (await findToken(db, token))!;
      expect(found).toMatchObject({ expiresAt: record.expiresAt, lastUsedAt: null });
      expect(isExpired(found, NOW)).toBe(false);
      expect(isExpired(found, new Date(Date.parse(record.expiresAt!)))).toBe(true);
      expect(() => expiryFrom('soon', NOW)).toThrow(/not a duration like 90d/);
      expect(() => expiryFrom('0d', NOW)).toThrow(/not a duration/);

      const lastUsed = async () => (await listTokens(db, ws.id)).find((t) => t.id === record.id)?.lastUsedAt;
      await touchToken(db, (await findToken(db, token))!, NOW);
      expect(await lastUsed()).toBe(NOW.toISOString());
      const later = new Date(NOW.getTime() + 30_000);
      await touchToken(db, (await findToken(db, token))!, later); // within the minute: no write
      await touchToken(db, { ...found, lastUsedAt: null }, later); // a stale record: the UPDATE still refuses
      expect(await lastUsed()).toBe(NOW.toISOString());
      const minuteOn = new Date(NOW.getTime() + 60_000);
      await touchToken(db, (await findToken(db, token))!, minuteOn);
      expect(await lastUsed()).toBe(minuteOn.toISOString());
      const { record: forever } = await createToken(db, ws.id, { name: 'forever', role: 'csm' }, NOW);
      expect(forever.expiresAt).toBeNull();
    });

    it('webhook outbox: only for an enabled, subscribed webhook; due, delivered, retried, failed', async () => {
      expect(await enqueueWebhookEvents(db, ws.id, [{ event: 'activity.linked', data: {} }], NOW)).toBe(0);
      await putWebhook(db, ws.id, { url: 'http://127.0.0.1:9/hook', secretEnc: 'x', events: ['activity.linked'], enabled: true }, NOW);
      const n = await enqueueWebhookEvents(
        db,
        ws.id,
        [
          { event: 'activity.linked', data: { a: 1 } },
          { event: 'activity.unlinked', data: {} },
        ],
        NOW,
      );
      expect(n).toBe(1);
      const [due] = await dueEvents(db, ws.id, NOW);
      expect(JSON.parse(due!.payload)).toMatchObject({ type: 'activity.linked', workspaceId: ws.id, data: { a: 1 } });
      expect(await dueEvents(db, other.id, NOW)).toEqual([]);
      await markAttemptFailed(db, due!.id, 1, 'HTTP 500', new Date(NOW.getTime() + 60_000));
      expect(await dueEvents(db, ws.id, NOW)).toEqual([]);
      expect(await dueEvents(db, ws.id, new Date(NOW.getTime() + 60_000))).toHaveLength(1);
      await markDelivered(db, due!.id, NOW);
      expect(await outboxCounts(db, ws.id)).toEqual({ pending: 0, delivered: 1, failed: 0 });
    });
  });

  describe(`sync and directory changes on ${dialect}`, () => {
    let db: Store;
    let close: () => Promise<void>;
    let dir: string;

    beforeAll(async () => {
      ({ db, close } = await openTestStore(dialect, 'sync'));
      dir = mkdtempSync(join(tmpdir(), 'tp-store-mail-'));
    });
    afterAll(async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('syncs a folder mailbox once, re-decides the past on directory changes, and audits', async () => {
      mkdirSync(join(dir, 'INBOX'), { recursive: true });
      for (let i = 0; i < 30; i++)
        writeFileSync(
          join(dir, 'INBOX', `${i}.eml`),
          eml(`m${i}@acme.com`, i % 3 === 0 ? 'bob@acme.com' : `x${i}@prospect.example`, `Hello ${i}`),
        );
      const { ws, ctx } = await seedWorkspace(db, {
        now: NOW,
        slug: 'sync-cs',
        endUsers: [],
        folders: [{ mail: dir, authorizedAt: AUTH }],
      });
      await addEndUser(ctx, { accountId: 'acme', email: 'bob@acme.com', source: 'crm:hubspot' });

      const [r] = await syncAll(ctx);
      expect(r).toMatchObject({ status: 'active', mail: { seen: 30, linked: 10, notLinked: 20 } });
      expect(await accountTimeline(db, ws.id, 'acme')).toHaveLength(10);
      const [again] = await syncAll({ ...ctx, now: new Date(NOW.getTime() + 300_000) });
      expect(again?.mail.seen).toBe(0);
      expect(await db.selectFrom('emails').select('id').where('workspace_id', '=', ws.id).execute()).toHaveLength(30);

      const added = await addEndUser(ctx, { accountId: 'acme', email: 'x1@prospect.example', source: 'manual' });
      expect(added.linked.map((l) => l.ref)).toEqual(['m1@acme.com']);
      const removed = await deleteEndUser(ctx, 'acme', 'bob@acme.com', true);
      expect(removed.unlinked).toHaveLength(10);
      const blocked = await addToBlocklist(ctx, 'prospect.example', { confirm: 'prospect.example' });
      expect(blocked.unlinked.map((l) => l.ref)).toEqual(['m1@acme.com']);
      expect(await accountTimeline(db, ws.id, 'acme')).toEqual([]);
      expect((await listAudit(db, ws.id)).map((a) => a.action)).toEqual([
        'blocklist.add',
        'end_user.delete_and_suppress',
        'end_user.add',
        'end_user.add',
      ]);
      expect((await listConnections(db, ws.id))[0]).toMatchObject({ status: 'active', lastSuccessAt: new Date(NOW.getTime() + 300_000) });
    });
  });
}
