// The routes the web app added: one email's content, Disconnect and Re-authorize.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMailbox } from '../support/mailbox.js';
import { seedOverApi } from '../support/seed.js';
import { makeTestApi, type TestApi } from '../support/service.js';
import { workspaceFolder } from '../support/config.js';

describe('web-support routes (sqlite)', () => {
  let api: TestApi;
  let admin = '';
  let csm = '';
  let connection = '';
  beforeAll(async () => {
    api = await makeTestApi('sqlite');
    ({ admin, csm } = await api.workspace('acme-cs'));
    const mail = writeMailbox(join(workspaceFolder('acme-cs', 'tp-websup-'), 'mail'), [
      { id: 'm1@acme.com', from: 'jane@acme.com', to: 'alice@ourco.com', subject: 'Hello' },
      { id: 'm2@other.example', from: 'x@other.example', to: 'alice@ourco.com', subject: 'Not ours' },
    ]);
    connection = await seedOverApi(api, admin, { mail, endUser: { email: 'jane@acme.com', source: 'crm:sf' } });
    await api.queue.idle();
  });
  afterAll(async () => api?.close());

  it('returns a logged email with participants and body; 404 for an unknown id', async () => {
    const items = (await api.call(csm, 'GET', '/v1/accounts/acme/timeline')).body.items as { id: string; kind: string }[];
    expect(items).toHaveLength(1);
    const r = await api.call(csm, 'GET', `/v1/emails/${items[0]!.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ messageId: 'm1@acme.com', subject: 'Hello', outcome: 'linked' });
    expect(r.body.participants.from[0].address).toBe('jane@acme.com');
    expect((await api.call(csm, 'GET', '/v1/emails/nope')).status).toBe(404);
  });

  it('disconnects (admin only): nothing syncs, Sync now refused; re-authorize resumes', async () => {
    expect((await api.call(csm, 'POST', `/v1/connections/${connection}/disconnect`)).status).toBe(403);
    const d = await api.call(admin, 'POST', `/v1/connections/${connection}/disconnect`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ status: 'disconnected', nextSyncAt: null });
    expect((await api.call(csm, 'POST', `/v1/connections/${connection}/sync`)).status).toBe(409);
    const r = await api.call(admin, 'POST', `/v1/connections/${connection}/reauthorize`, {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'active', authorizedAt: '2026-03-01T00:00:00.000Z', lastError: null });
    expect((await api.call(csm, 'POST', `/v1/connections/${connection}/sync`)).status).toBe(202);
    expect((await api.call(admin, 'POST', '/v1/connections/nope/reauthorize', {})).status).toBe(404);
  });

  it('Sync now of a disconnected connection is needs_reauth (409); re-authorizing it again is allowed', async () => {
    await api.call(admin, 'POST', `/v1/connections/${connection}/disconnect`);
    const s = await api.call(csm, 'POST', `/v1/connections/${connection}/sync`);
    expect(s.status).toBe(409);
    expect(s.body.error).toBe('needs_reauth');
    const r = await api.call(admin, 'POST', `/v1/connections/${connection}/reauthorize`, {});
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('active');
  });

  it('an unknown account is not_found (404), not a bad request', async () => {
    const r = await api.call(admin, 'POST', '/v1/accounts/nope/end-users', { email: 'x@nope.example' });
    expect(r.status).toBe(404);
    expect(r.body.error).toBe('not_found');
    const c = await api.call(admin, 'POST', '/v1/connections/nope/disconnect');
    expect(c.status).toBe(404);
    expect(c.body).toMatchObject({ error: 'not_found', message: 'no connection "nope"' });
  });
});
