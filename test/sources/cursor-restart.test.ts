// A saved position the provider no longer takes is dropped and the same sync reads everything
// again. The case that matters: a Salesforce source left "needs re-authorization" for longer
// than the 15 days Salesforce keeps its delete log, then connected again (which keeps the
// cursor): without the restart every sync from then on failed with INVALID_REPLICATION_DATE.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectSource } from '../../src/app/sources.js';
import { getSource } from '../../src/store/sources.js';
import { SalesforceEmulator } from '../emulators/salesforce.js';
import { sourceWorld, type SourceWorld } from './fixture.js';

const DAY_MIN = 24 * 60;

describe('a refused cursor', () => {
  let w: SourceWorld;
  let sf: SalesforceEmulator;
  beforeEach(async () => {
    w = await sourceWorld('sqlite', 'salesforce', async (now) => (sf = await SalesforceEmulator.start({ now })));
    w.emulator.seed(
      [{ id: '001A', name: 'Globex', domain: 'globex.com' }],
      [{ id: '003A', email: 'carol@globex.com', companyIds: ['001A'] }],
    );
  });
  afterEach(async () => w.close());

  it('a Salesforce source re-authorized after 16 days syncs again from the start instead of failing for good', async () => {
    await w.sync();
    w.emulator.revokeToken();
    expect((await w.sync(15)).status).toBe('needs_reauth');

    // Sixteen days later: a new refresh token, and a contact added meanwhile.
    const later = 16 * DAY_MIN;
    sf.issueRefreshToken();
    w.emulator.upsertContact({ id: '003B', email: 'bob@globex.com', companyIds: ['001A'] });
    await connectSource(w.deps, { kind: 'salesforce', settings: w.emulator.settings, secret: sf.secret });
    const r = await w.sync(later);

    expect(r).toMatchObject({ status: 'active', problem: null });
    expect(r.restarted).toMatch(/INVALID_REPLICATION_DATE/);
    expect(r.rows).toContainEqual(expect.objectContaining({ externalId: '003B', outcome: 'added' }));
    expect((await w.endUsers()).map((u) => u.email)).toEqual(['bob@globex.com', 'carol@globex.com']);
    // The cursor saved is the full sync's: the next sync is an ordinary incremental one.
    const next = await w.sync(later + 15);
    expect(next).toMatchObject({ status: 'active', restarted: null, counts: { added: 0, removed: 0 } });
    expect((await getSource(w.deps.db, w.deps.ws.id, w.sourceId))?.status).toBe('active');
  });
});
