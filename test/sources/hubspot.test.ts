// What is HubSpot's own, beside the shared scenarios: the daily cap (wait until the day rolls
// over), secondary emails only when the mapping names hs_additional_emails, companies mapped onto
// existing accounts by domain, and a company with no such account skipped and reported.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectSource } from '../../src/app/sources.js';
import { addAccount } from '../../src/store/directory.js';
import { HubSpotEmulator } from '../emulators/hubspot.js';
import { START, sourceWorld, type SourceWorld } from './fixture.js';

describe('HubSpot specifics', () => {
  let w: SourceWorld;
  let hs: HubSpotEmulator;
  beforeEach(async () => {
    w = await sourceWorld('sqlite', 'hubspot', async () => (hs = await HubSpotEmulator.start()));
    hs.seed(
      [
        { id: '1', name: 'Globex', domain: 'globex.com' },
        { id: '2', name: 'Initech', domain: 'initech.com' },
      ],
      [
        { id: '10', email: 'bob@globex.com', secondaryEmails: ['robert@globex.com'], companyIds: ['1'] },
        { id: '11', email: 'peter@initech.com', companyIds: ['2'] },
      ],
    );
  });
  afterEach(async () => w.close());

  it('the emulator answers a body that is not JSON with 400 VALIDATION_ERROR, as HubSpot does, and keeps serving', async () => {
    const post = (body: string) =>
      fetch(`${hs.url}/crm/v3/objects/contacts/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hs.secret}`, 'content-type': 'application/json' },
        body,
      });
    const bad = await post('{"filterGroups": [');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const good = await post('{"limit": 10}');
    expect(good.status).toBe(200);
    expect(((await good.json()) as { results: unknown[] }).results).toHaveLength(2);
  });

  it('waits for the next day when the daily cap is used up', async () => {
    hs.exhaustDaily(1);
    const r = await w.sync();
    expect(r.status).toBe('throttled');
    expect(r.problem).toMatch(/daily API limit/);
    // The sync ran at 12:00 UTC: due again at the next UTC midnight.
    expect(r.nextSyncAt).toBe('2026-03-21T00:00:00.000Z');
  });

  it('makes end users of secondary emails only when the mapping names hs_additional_emails', async () => {
    await w.sync();
    expect((await w.endUsers()).map((u) => u.email)).toEqual(['bob@globex.com', 'peter@initech.com']);
    await connectSource(w.deps, {
      kind: 'hubspot',
      settings: hs.settings,
      secret: hs.secret,
      mapping: { emailFields: ['email', 'hs_additional_emails'] },
    });
    // A new mapping syncs every record again, changed at HubSpot or not.
    await w.sync(15);
    expect((await w.endUsers()).map((u) => u.email)).toEqual(['bob@globex.com', 'robert@globex.com', 'peter@initech.com']);
  });

  it('maps companies onto existing accounts by domain, and reports a company with none', async () => {
    await addAccount(w.deps.db, w.deps.ws.id, { id: 'globex', name: 'globex.com' }, w.deps.now);
    await connectSource(w.deps, { kind: 'hubspot', settings: hs.settings, secret: hs.secret, mapping: { accounts: 'domain' } });
    const r = await w.sync();
    expect((await w.endUsers()).map((u) => `${u.account} ${u.email}`)).toEqual(['globex bob@globex.com']);
    expect(r.rows).toContainEqual(
      expect.objectContaining({ record: 'company', externalId: '2', outcome: 'skipped', reason: expect.stringContaining('initech.com') }),
    );
    expect(r.rows).toContainEqual(
      expect.objectContaining({
        record: 'contact',
        externalId: '11',
        outcome: 'skipped',
        reason: 'belongs to no company synced to an account',
      }),
    );
  });

  it('meets the ten-second window mid-sync, waits the interval HubSpot names, and carries on from the page it reached', async () => {
    const tight = await sourceWorld('sqlite', 'hubspot', (now) => HubSpotEmulator.start({ now, tenSecondMax: 4 }));
    try {
      tight.emulator.seed([{ id: '1', name: 'Globex', domain: 'globex.com' }], [{ id: '10', email: 'bob@globex.com', companyIds: ['1'] }]);
      // account-info, companies, archived companies, contacts: the contacts' associations are the fifth request in ten seconds.
      const first = await tight.sync();
      expect(first).toMatchObject({ status: 'throttled', counts: { added: 1 } });
      expect(first.problem).toMatch(/ten-second rate limit/);
      expect(first.nextSyncAt).toBe(new Date(START.getTime() + 10_000).toISOString());
      expect(await tight.endUsers()).toEqual([]);

      const second = await tight.sync(1);
      expect(second).toMatchObject({ status: 'active', counts: { added: 1 } });
      expect((await tight.endUsers()).map((u) => u.email)).toEqual(['bob@globex.com']);
      // It carried on: the companies were not searched again.
      expect((tight.emulator as HubSpotEmulator).log.filter((l) => l === 'POST /crm/v3/objects/companies/search')).toHaveLength(1);
    } finally {
      await tight.close();
    }
  });
});
