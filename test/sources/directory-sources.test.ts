// The directory-source scenarios of issue 16, written once against the SourceEmulator shape and
// run for every source kind (add one line to SOURCES), on SQLite and PostgreSQL: an incremental
// sync picking up an added, an edited and a deleted contact (each re-deciding the mail it
// touches), suppression honoured and reported, a contact in two companies, a merged contact,
// a conflicting manual end user, a revoked token and throttling.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addEndUser, deleteEndUser } from '../../src/app/directory-changes.js';
import { listDirectorySources } from '../../src/app/sources.js';
import { addAccount } from '../../src/store/directory.js';
import { accountTimeline } from '../../src/store/timeline.js';
import { explainEmail } from '../../src/troubleshoot/explain.js';
import { globalSearch } from '../../src/troubleshoot/search.js';
import { SOURCE_WORDS } from '../../src/sources/mapping.js';
import { DIALECTS } from '../support/databases.js';
import { SOURCE_KINDS_UNDER_TEST, sourceWorld, type SourceWorld } from './fixture.js';

const SOURCES = SOURCE_KINDS_UNDER_TEST;

const COMPANIES = [
  { id: '101', name: 'Globex', domain: 'globex.com' },
  { id: '102', name: 'Initech', domain: 'initech.com' },
];
const CONTACTS = [
  { id: '201', email: 'carol@globex.com', companyIds: ['101'] },
  { id: '202', email: 'dave@initech.com', companyIds: ['102'] },
  { id: '203', email: 'erin@globex.com', companyIds: ['101', '102'] },
];

const mail = (id: string, from: string) => ({
  id: `${id}@mail.test`,
  from,
  to: 'alice@ourco.com',
  date: 'Tue, 10 Mar 2026 09:15:00 +0000',
});

async function timelineRefs(w: SourceWorld, account: string): Promise<string[]> {
  return (await accountTimeline(w.deps.db, w.deps.ws.id, account)).map((i) => (i as { messageId?: string | null }).messageId ?? '').sort();
}

describe.each(SOURCES)('$kind directory source', ({ kind, start, throttleWaitMs, signInRequests }) => {
  describe.each(DIALECTS)('on %s', (dialect) => {
    let w: SourceWorld;
    beforeEach(async () => {
      w = await sourceWorld(dialect, kind, start);
      w.emulator.seed(COMPANIES, CONTACTS);
    });
    afterEach(async () => w.close());

    it('turns companies into accounts and contacts into end users with their source, id and record link', async () => {
      const r = await w.sync();
      expect(r).toMatchObject({ status: 'active', problem: null, counts: { added: 5, updated: 0, removed: 0, skipped: 0 } });
      const users = await w.endUsers();
      expect(users.map((u) => `${u.account} ${u.email} ${u.externalId}`)).toEqual([
        `${w.account('101')} carol@globex.com 201`,
        `${w.account('101')} erin@globex.com 203`,
        `${w.account('102')} dave@initech.com 202`,
        `${w.account('102')} erin@globex.com 203`,
      ]);
      expect(
        users.every(
          (u) => u.source.endsWith(`:${kind}`) && /^https?:\/\//.test(u.sourceUrl ?? '') && u.sourceUrl?.includes(u.externalId ?? '?'),
        ),
      ).toBe(true);
      const [view] = await listDirectorySources(w.deps);
      expect(view).toMatchObject({
        status: 'active',
        counts: { added: 5 },
        lastSuccessAt: expect.any(String),
        nextSyncAt: expect.any(String),
      });
    });

    it('an incremental sync picks up an added, an edited and a deleted contact, each re-deciding the mail it touches', async () => {
      await w.mail([
        mail('from-bob', 'bob@globex.com'),
        mail('from-carol', 'carol@globex.com'),
        mail('from-carol-new', 'carol.n@globex.com'),
        mail('from-dave', 'dave@initech.com'),
      ]);
      await w.sync();
      expect(await timelineRefs(w, w.account('101'))).toEqual(['from-carol@mail.test']);
      expect(await timelineRefs(w, w.account('102'))).toEqual(['from-dave@mail.test']);

      w.emulator.upsertContact({ id: '204', email: 'bob@globex.com', companyIds: ['101'] });
      w.emulator.upsertContact({ id: '201', email: 'carol.n@globex.com', companyIds: ['101'] });
      w.emulator.deleteContact('202');
      const r = await w.sync(15);

      expect(r.counts).toMatchObject({ added: 1, updated: 1, removed: 1, skipped: 0 });
      expect(r.rows.map((x) => `${x.outcome} ${x.externalId}`).sort()).toEqual(['added 204', 'removed 202', 'updated 201']);
      expect(await timelineRefs(w, w.account('101'))).toEqual(['from-bob@mail.test', 'from-carol-new@mail.test']);
      expect(await timelineRefs(w, w.account('102'))).toEqual([]);
      expect(r.linked.map((l) => l.ref).sort()).toEqual(['from-bob@mail.test', 'from-carol-new@mail.test']);
      expect(r.unlinked.map((l) => l.ref).sort()).toEqual(['from-carol@mail.test', 'from-dave@mail.test']);
      expect((await w.endUsers()).map((u) => u.email)).not.toContain('dave@initech.com');
    });

    it('does not recreate a contact deleted and suppressed here, and reports it', async () => {
      await w.sync();
      await deleteEndUser(w.deps, w.account('101'), 'carol@globex.com', true);
      w.emulator.upsertContact({ id: '201', email: 'carol@globex.com', companyIds: ['101'] });
      const r = await w.sync(15);
      expect(r.rows).toContainEqual(
        expect.objectContaining({
          externalId: '201',
          outcome: 'skipped',
          email: 'carol@globex.com',
          reason: expect.stringContaining('suppressed'),
        }),
      );
      expect((await w.endUsers()).filter((u) => u.email === 'carol@globex.com')).toEqual([]);
      const [view] = await listDirectorySources(w.deps);
      expect(view?.counts?.skipped).toBe(1);
      expect(view?.skipped).toContainEqual(expect.objectContaining({ externalId: '201', reason: expect.stringContaining('suppressed') }));
    });

    it('explain and search name the source record, its link and last sync; the remedy says where to remove it', async () => {
      await w.mail([mail('from-carol', 'carol@globex.com')]);
      await w.sync();
      const e = await explainEmail(w.deps, 'from-carol@mail.test');
      const via = e.accounts[0]?.via[0];
      expect(via).toMatchObject({
        email: 'carol@globex.com',
        externalId: '201',
        sourceUrl: expect.stringContaining('201'),
        sourceSyncedAt: w.deps.now.toISOString(),
      });
      const { product, contact } = SOURCE_WORDS[kind];
      expect(e.remedies).toContain(
        `Remove carol@globex.com from ${product} ${contact} 201 (${via?.sourceUrl}), or delete and suppress it here: a plain delete is undone by the next ${product} sync.`,
      );
      const found = await globalSearch(w.deps, 'carol@globex.com');
      expect(found.accounts[0]?.endUser).toMatchObject({
        externalId: '201',
        sourceUrl: via?.sourceUrl,
        sourceSyncedAt: w.deps.now.toISOString(),
      });
    });

    it('links a contact in two companies to both accounts', async () => {
      await w.mail([mail('from-erin', 'erin@globex.com')]);
      await w.sync();
      expect(await timelineRefs(w, w.account('101'))).toEqual(['from-erin@mail.test']);
      expect(await timelineRefs(w, w.account('102'))).toEqual(['from-erin@mail.test']);
    });

    it('removes the end user of a contact merged into another', async () => {
      await w.sync();
      w.emulator.mergeContacts('203', '201');
      const r = await w.sync(15);
      expect(r.rows).toContainEqual(expect.objectContaining({ externalId: '201', outcome: 'removed' }));
      expect((await w.endUsers()).map((u) => u.email)).not.toContain('carol@globex.com');
    });

    it('reports a conflicting manual end user and never overwrites it', async () => {
      await addAccount(w.deps.db, w.deps.ws.id, { id: w.account('101'), name: 'Globex' }, w.deps.now);
      await addEndUser(w.deps, { accountId: w.account('101'), email: 'carol@globex.com', source: 'manual' });
      const r = await w.sync();
      expect(r.rows).toContainEqual(
        expect.objectContaining({ externalId: '201', outcome: 'skipped', reason: expect.stringContaining('manual') }),
      );
      expect((await w.endUsers()).find((u) => u.email === 'carol@globex.com')).toMatchObject({ source: 'manual', externalId: null });
    });

    it('a revoked token puts the source in "needs re-authorization" and leaves the directory alone', async () => {
      await w.sync();
      const before = await w.endUsers();
      w.emulator.revokeToken();
      w.emulator.deleteContact('201');
      const r = await w.sync(15);
      expect(r).toMatchObject({ status: 'needs_reauth', nextSyncAt: null });
      expect(r.problem).toMatch(/needs re-authorization/);
      expect(await w.endUsers()).toEqual(before);
      const asked = w.emulator.requestCount();
      const again = await w.sync(30);
      expect(again.status).toBe('needs_reauth');
      expect(w.emulator.requestCount()).toBe(asked);
      const [view] = await listDirectorySources(w.deps);
      expect(view).toMatchObject({ status: 'needs_reauth', problem: expect.stringMatching(/needs re-authorization/) });
    });

    it('waits as long as the provider says when throttled, then carries on from where it stopped', async () => {
      await w.sync();
      w.emulator.upsertContact({ id: '204', email: 'bob@globex.com', companyIds: ['101'] });
      w.emulator.throttleNext(1, 7);
      const asked = w.emulator.requestCount();
      const r = await w.sync(15);
      expect(r).toMatchObject({ status: 'throttled', counts: { added: 0 } });
      expect(r.nextSyncAt).toBe(new Date(Date.parse('2026-03-20T12:15:00Z') + throttleWaitMs(7)).toISOString());
      // The refused request is the last one (after the sign-in, for a source that signs in first).
      expect(w.emulator.requestCount()).toBe(asked + signInRequests + 1);
      const after = await w.sync(16);
      expect(after).toMatchObject({ status: 'active', counts: { added: 1 } });
      expect((await w.endUsers()).map((u) => u.email)).toContain('bob@globex.com');
    });
  });
});
