// The mapping choices the shared scenarios leave at their defaults, on the engine (it is
// provider-blind; HubSpot's emulator drives it): companies matched onto existing accounts by
// external id, a company deleted at the source removing its end users and its emptied account
// (`--remove-deleted-accounts`) or keeping them (the default), and disconnecting a source
// with its end users kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectSource, disconnectSource, listDirectorySources } from '../../src/app/sources.js';
import { addAccount, listAccounts } from '../../src/store/directory.js';
import { accountTimeline } from '../../src/store/timeline.js';
import { HubSpotEmulator } from '../emulators/hubspot.js';
import { SalesforceEmulator } from '../emulators/salesforce.js';
import { sourceWorld, type SourceWorld } from './fixture.js';

const mail = (id: string, from: string) => ({
  id: `${id}@mail.test`,
  from,
  to: 'alice@ourco.com',
  date: 'Tue, 10 Mar 2026 09:15:00 +0000',
});

describe('directory-source mapping', () => {
  let w: SourceWorld;
  let hs: HubSpotEmulator;
  beforeEach(async () => {
    w = await sourceWorld('sqlite', 'hubspot', async () => (hs = await HubSpotEmulator.start()), false);
    hs.seed(
      [
        { id: '1', name: 'Globex', domain: 'globex.com' },
        { id: '2', name: 'Initech', domain: 'initech.com' },
      ],
      [
        { id: '10', email: 'bob@globex.com', companyIds: ['1'] },
        { id: '11', email: 'peter@initech.com', companyIds: ['2'] },
        { id: '12', email: 'erin@globex.com', companyIds: ['1', '2'] },
      ],
    );
  });
  afterEach(async () => w.close());

  const connect = async (mapping: Parameters<typeof connectSource>[1]['mapping'] = {}) => {
    w.sourceId = (await connectSource(w.deps, { kind: 'hubspot', settings: hs.settings, secret: hs.secret, mapping })).source.id;
  };
  const accountIds = async () => (await listAccounts(w.deps.db, w.deps.ws.id)).map((a) => a.id).sort();
  const refs = async (account: string) =>
    (await accountTimeline(w.deps.db, w.deps.ws.id, account)).map((i) => (i as { messageId?: string | null }).messageId ?? '');

  it('external-id: a company goes onto the account whose id is its HubSpot id; one with no such account is skipped and reported', async () => {
    await addAccount(w.deps.db, w.deps.ws.id, { id: '1', name: 'Globex (from the CRM)' }, w.deps.now);
    await connect({ accounts: 'external-id' });
    const r = await w.sync();
    expect((await w.endUsers()).map((u) => `${u.account} ${u.email}`)).toEqual(['1 bob@globex.com', '1 erin@globex.com']);
    expect(await accountIds()).toEqual(['1']);
    expect(r.rows).toContainEqual(
      expect.objectContaining({ record: 'company', externalId: '2', outcome: 'skipped', reason: expect.stringContaining('"2"') }),
    );
    expect(r.rows).toContainEqual(expect.objectContaining({ record: 'contact', externalId: '11', outcome: 'skipped' }));
  });

  it('remove-account: a company deleted at the source takes its end users, their mail and its emptied account with it', async () => {
    await connect({ companyDeleted: 'remove-account' });
    await w.mail([mail('from-bob', 'bob@globex.com'), mail('from-erin', 'erin@globex.com')]);
    await w.sync();
    expect(await refs('hubspot-1')).toHaveLength(2);

    hs.deleteCompany('1');
    const r = await w.sync(15);
    expect(r.rows).toContainEqual(
      expect.objectContaining({ record: 'company', externalId: '1', outcome: 'removed', accountId: 'hubspot-1' }),
    );
    expect(await accountIds()).toEqual(['hubspot-2']);
    expect((await w.endUsers()).map((u) => `${u.account} ${u.email}`)).toEqual([
      'hubspot-2 erin@globex.com',
      'hubspot-2 peter@initech.com',
    ]);
    expect(r.unlinked.map((l) => l.ref).sort()).toEqual(['from-bob@mail.test', 'from-erin@mail.test']);
    // Erin is still an end user of Initech: her mail is there now.
    expect(await refs('hubspot-2')).toEqual(['from-erin@mail.test']);
  });

  it('keep-account (the default): a company deleted at the source keeps its account, end users and mail; no later sync takes them', async () => {
    await connect();
    await w.mail([mail('from-bob', 'bob@globex.com'), mail('from-erin', 'erin@globex.com')]);
    await w.sync();
    const pairs = async () => (await w.endUsers()).map((u) => `${u.account} ${u.email} ${u.externalId}`);
    hs.deleteCompany('1');
    const r = await w.sync(15);
    expect(r.rows).toContainEqual(
      expect.objectContaining({
        record: 'company',
        externalId: '1',
        outcome: 'removed',
        reason: expect.stringContaining('2 end user(s) kept'),
      }),
    );
    // Kept, and no longer following their HubSpot contacts (so no sync removes them).
    expect(await pairs()).toEqual([
      'hubspot-1 bob@globex.com null',
      'hubspot-1 erin@globex.com null',
      'hubspot-2 erin@globex.com 12',
      'hubspot-2 peter@initech.com 11',
    ]);
    expect(await accountIds()).toEqual(['hubspot-1', 'hubspot-2']);
    hs.upsertContact({ id: '10', email: 'bob@globex.com', companyIds: [] });
    hs.upsertContact({ id: '12', email: 'erin@globex.com', companyIds: ['2'] });
    await w.sync(30);
    expect(await pairs()).toContain('hubspot-1 bob@globex.com null');
    expect(await pairs()).toContain('hubspot-1 erin@globex.com null');
    expect((await refs('hubspot-1')).sort()).toEqual(['from-bob@mail.test', 'from-erin@mail.test']);
  });

  it('disconnect keeping the end users: they stay, with their mail, and the source is gone', async () => {
    await connect();
    await w.mail([mail('from-bob', 'bob@globex.com')]);
    await w.sync();
    const before = await w.endUsers();
    const r = await disconnectSource(w.deps, { sourceId: w.sourceId, users: 'keep' });
    expect(r).toMatchObject({ removedEndUsers: 0, unlinked: 0 });
    expect(await w.endUsers()).toEqual(before);
    expect(await refs('hubspot-1')).toEqual(['from-bob@mail.test']);
    expect(await listDirectorySources(w.deps)).toEqual([]);
  });
});

describe('a Salesforce Account deleted with its Contacts', () => {
  it('removes their end users (deleted contacts), keeps the account, and does not claim to have kept them', async () => {
    const w = await sourceWorld('sqlite', 'salesforce', (now) => SalesforceEmulator.start({ now }));
    try {
      w.emulator.seed(
        [{ id: '001A', name: 'Globex', domain: 'globex.com' }],
        [
          { id: '003A', email: 'bob@globex.com', companyIds: ['001A'] },
          { id: '003B', email: 'carol@globex.com', companyIds: ['001A'] },
        ],
      );
      await w.sync();
      w.emulator.deleteCompany('001A');
      const r = await w.sync(15);
      expect(r.rows.map((x) => `${x.outcome} ${x.record} ${x.externalId}`).sort()).toEqual([
        'removed contact 003A',
        'removed contact 003B',
      ]);
      expect(await w.endUsers()).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
