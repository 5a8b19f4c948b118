// Alerts over HTTP: the banner's list (GET /v1/alerts) names the broken connection with its
// fix and, for admins, the workspace alert past TOUCHPOINT_ALERT_BROKEN_PERCENT; only an admin
// may turn the daily digest on.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { updateConnection } from '../../src/store/connections.js';
import { testConfig } from '../support/config.js';
import { makeTestApi, type TestApi } from '../support/service.js';
import { AUTHORIZED_AT, aliceFolders } from './fixtures.js';

let api: TestApi;
const A = { admin: '', csm: '', wsId: '', conn: '' };

beforeAll(async () => {
  api = await makeTestApi('sqlite', { config: testConfig({ publicUrl: 'https://tp.ourco.com', alerts: { brokenPercent: 40 } }) });
  const a = await api.workspace('alerts-cs');
  Object.assign(A, { admin: a.admin, csm: a.csm, wsId: a.ws.id });
  await api.call(A.admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
  const res = await api.call(A.admin, 'POST', '/v1/connections/folder', {
    teammate: 'alice@ourco.com',
    ...aliceFolders('alerts-cs'),
    authorizedAt: AUTHORIZED_AT,
  });
  A.conn = res.body.id;
  await api.queue.idle();
});
afterAll(async () => api?.close());

it('lists nothing while every connection syncs, then the broken one with its fix and the workspace alert', async () => {
  expect((await api.call(A.admin, 'GET', '/v1/alerts')).body).toEqual({
    connections: [],
    workspace: { broken: 0, total: 1, percent: 0, thresholdPercent: 40, alert: null },
  });
  await updateConnection(api.db, A.wsId, A.conn, { status: 'needs_reauth', statusReason: 'needs re-authorization: grant revoked' });
  const res = await api.call(A.admin, 'GET', '/v1/alerts');
  expect(res.status).toBe(200);
  expect(res.body.connections).toEqual([
    expect.objectContaining({
      mailbox: 'alice@ourco.com',
      reason: 'needs re-authorization: grant revoked',
      fix: 'Open Touchpoint → Sync email & calendar → Re-authorize (next to alice@ourco.com): https://tp.ourco.com/#/sync',
    }),
  ]);
  expect(res.body.workspace.alert).toMatch(/^1 of 1 connections \(100%\) need re-authorization, more than the 40% alert threshold/);
  // A CSM token not bound to Alice sees neither her connection nor the workspace alert.
  expect((await api.call(A.csm, 'GET', '/v1/alerts')).body).toEqual({ connections: [], workspace: null });
});

it('lets only an admin turn the daily digest on, naming a bad address', async () => {
  expect((await api.call(A.csm, 'PUT', '/v1/alerts/digest', { address: 'boss@ourco.com', daily: true })).status).toBe(403);
  const bad = await api.call(A.admin, 'PUT', '/v1/alerts/digest', { address: 'nobody', daily: true });
  expect(bad.status).toBe(400);
  expect(bad.body.fields[0].field).toMatch(/address/);
  const ok = await api.call(A.admin, 'PUT', '/v1/alerts/digest', { address: 'Boss@OurCo.com', daily: true });
  expect(ok.body).toEqual({ address: 'boss@ourco.com', daily: true });
  const audit = await api.call(A.admin, 'GET', '/v1/audit');
  expect(audit.body.map((e: { action: string }) => e.action)).toContain('alert.digest_on');
});
