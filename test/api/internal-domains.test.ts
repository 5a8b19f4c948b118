// Internal domains through the API: adding one makes mail among internal people only
// unlinked at once (E6), removing it links it again; both are audited; admin only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZED_AT, aliceFolders } from './fixtures.js';
import { makeTestApi, type TestApi } from '../support/service.js';

let api: TestApi;
const A = { admin: '', csm: '' };
const subjects = async () =>
  (await api.call(A.admin, 'GET', '/v1/accounts/acme/timeline')).body.items
    .map((i: { subject?: string; title?: string }) => i.subject ?? i.title)
    .sort();

beforeAll(async () => {
  api = await makeTestApi('sqlite');
  const a = await api.workspace('acme-cs');
  Object.assign(A, { admin: a.admin, csm: a.csm });
  await api.call(A.admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
  await api.call(A.admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' });
  await api.call(A.admin, 'POST', '/v1/accounts/acme/end-users', { email: 'bob@acme.com', source: 'crm:sf' });
  const { mail, calendar } = aliceFolders();
  expect(
    (
      await api.call(A.admin, 'POST', '/v1/connections/folder', {
        teammate: 'alice@ourco.com',
        mail,
        calendar,
        authorizedAt: AUTHORIZED_AT,
      })
    ).status,
  ).toBe(201);
  await api.queue.idle();
});
afterAll(async () => api?.close());

describe('internal domains', () => {
  it('adding one re-decides: mail with end users on it becomes internal-only and leaves the timeline', async () => {
    expect(await subjects()).toEqual(['Acme QBR', 'Renewal question']);
    const res = await api.call(A.admin, 'POST', '/v1/internal-domains', { domain: ' ACME.com ' });
    expect(res.status).toBe(201);
    expect(res.body.internalDomains).toEqual(['ourco.com', 'acme.com']);
    expect(res.body.unlinked).toEqual([expect.objectContaining({ kind: 'email', ref: 'm1@acme.com', accountId: 'acme' })]);
    expect(await subjects()).toEqual(['Acme QBR']); // a meeting has no internal-only rule
    expect((await api.call(A.admin, 'GET', '/v1/workspace')).body.internalDomains).toEqual(['ourco.com', 'acme.com']);
    const why = await api.call(A.admin, 'GET', '/v1/explain/email?messageId=m1@acme.com');
    expect(why.body.checks.find((c: { rule: string }) => c.rule === 'E6')).toMatchObject({ status: 'fail' });
  });

  it('removing it links the mail again, and both changes are in the audit log', async () => {
    const res = await api.call(A.admin, 'DELETE', '/v1/internal-domains/acme.com');
    expect(res.status).toBe(200);
    expect(res.body.internalDomains).toEqual(['ourco.com']);
    expect(res.body.linked).toEqual([expect.objectContaining({ ref: 'm1@acme.com' })]);
    expect(await subjects()).toEqual(['Acme QBR', 'Renewal question']);
    const audit = (await api.call(A.admin, 'GET', '/v1/audit')).body as { action: string; target: string }[];
    expect(
      audit
        .filter((e) => e.action.startsWith('internal_domain'))
        .map((e) => `${e.action} ${e.target}`)
        .sort(),
    ).toEqual(['internal_domain.add acme.com', 'internal_domain.remove acme.com']);
  });

  it('answers errors in plain words: invalid, duplicate, unknown, not an admin', async () => {
    const bad = await api.call(A.admin, 'POST', '/v1/internal-domains', { domain: 'not a domain' });
    expect([bad.status, bad.body.fields?.[0]?.field]).toEqual([400, 'body.domain']);
    const dup = await api.call(A.admin, 'POST', '/v1/internal-domains', { domain: 'ourco.com' });
    expect([dup.status, dup.body.message]).toEqual([409, 'ourco.com is already an internal domain']);
    expect((await api.call(A.admin, 'DELETE', '/v1/internal-domains/nosuch.example')).status).toBe(404);
    expect((await api.call(A.csm, 'POST', '/v1/internal-domains', { domain: 'x.example' })).status).toBe(403);
    expect((await api.call(A.csm, 'DELETE', '/v1/internal-domains/ourco.com')).status).toBe(403);
  });
});
