// /v1/sources against the HubSpot emulator, through the service's queue and sync job: connect
// (admin only, the secret never answered), Sync now queues a worker sync, the list shows the
// health and counts, disconnect removes the end users. PostgreSQL and SQLite.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../emulators/hubspot.js';
import { DIALECTS } from '../support/databases.js';
import { makeTestApi, type TestApi } from '../support/service.js';

describe.each(DIALECTS)('/v1/sources on %s', (dialect) => {
  let api: TestApi;
  let hs: HubSpotEmulator;
  let admin: string;
  let csm: string;
  beforeEach(async () => {
    api = await makeTestApi(dialect);
    hs = await HubSpotEmulator.start();
    hs.seed([{ id: '7', name: 'Globex', domain: 'globex.com' }], [{ id: '123', email: 'bob@globex.com', companyIds: ['7'] }]);
    ({ admin, csm } = await api.workspace('acme-cs'));
  });
  afterEach(async () => {
    await api.close();
    await hs.close();
  });

  it('connects, syncs in a worker, reports health, disconnects', async () => {
    const body = { kind: 'hubspot', settings: { baseUrl: hs.url }, secret: hs.secret };
    expect((await api.call(csm, 'POST', '/v1/sources', body)).status).toBe(403);
    const created = await api.call(admin, 'POST', '/v1/sources', body);
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(hs.secret);
    const id = created.body.source.id as string;
    await api.queue.idle();

    const [listed] = (await api.call(csm, 'GET', '/v1/sources')).body;
    expect(listed).toMatchObject({ id, source: 'crm:hubspot', status: 'active', counts: { added: 2, updated: 0, removed: 0, skipped: 0 } });
    const users = (await api.call(admin, 'GET', '/v1/accounts/hubspot-7/end-users')).body;
    expect(JSON.stringify(users)).toContain('bob@globex.com');

    hs.upsertContact({ id: '124', email: 'carol@globex.com', companyIds: ['7'] });
    const queued = await api.call(csm, 'POST', `/v1/sources/${id}/sync`);
    expect(queued).toMatchObject({ status: 202, body: { sourceId: id, status: 'queued' } });
    await api.queue.idle();
    expect((await api.call(admin, 'GET', '/v1/sources')).body[0].counts).toMatchObject({ added: 1 });

    // Every source at once, as `touchpoint source sync` without --source.
    hs.upsertContact({ id: '125', email: 'dan@globex.com', companyIds: ['7'] });
    expect(await api.call(csm, 'POST', '/v1/sources/sync')).toMatchObject({ status: 202, body: [{ sourceId: id, status: 'queued' }] });
    await api.queue.idle();
    expect((await api.call(admin, 'GET', '/v1/sources')).body[0].counts).toMatchObject({ added: 1 });

    expect((await api.call(admin, 'DELETE', `/v1/sources/${id}`)).status).toBe(400);
    const gone = await api.call(admin, 'DELETE', `/v1/sources/${id}?users=remove`);
    expect(gone).toMatchObject({ status: 200, body: { removedEndUsers: 3 } });
    expect((await api.call(admin, 'GET', '/v1/sources')).body).toEqual([]);
  });

  it('says "needs re-authorization" for a revoked token, and connecting again fixes it', async () => {
    const id = (await api.call(admin, 'POST', '/v1/sources', { kind: 'hubspot', settings: { baseUrl: hs.url }, secret: 'pat-na1-wrong' }))
      .body.source.id;
    await api.queue.idle();
    const [bad] = (await api.call(admin, 'GET', '/v1/sources')).body;
    expect(bad).toMatchObject({ id, status: 'needs_reauth', problem: expect.stringMatching(/needs re-authorization/) });
    expect((await api.call(admin, 'POST', `/v1/sources/${id}/sync`)).status).toBe(409);
    // "Sync all" leaves it out rather than failing the others.
    expect(await api.call(admin, 'POST', '/v1/sources/sync')).toMatchObject({ status: 202, body: [] });
    const again = await api.call(admin, 'POST', '/v1/sources', { kind: 'hubspot', settings: { baseUrl: hs.url }, secret: hs.secret });
    expect(again.body).toMatchObject({ reauthorized: true, source: { id } });
    await api.queue.idle();
    expect((await api.call(admin, 'GET', '/v1/sources')).body[0]).toMatchObject({ status: 'active', counts: { added: 2 } });
  });
});
