// GET /v1/find/email and /v1/find/meeting: the find use case over HTTP, query parameters
// named as the CLI's flags, { candidates } back, a bad query a 400 naming the parameter.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceFolder } from '../support/config.js';
import { writeMailbox } from '../support/mailbox.js';
import { seedOverApi } from '../support/seed.js';
import { makeTestApi, type TestApi } from '../support/service.js';

describe('find over the API', () => {
  let api: TestApi;
  let token = '';

  beforeAll(async () => {
    api = await makeTestApi('sqlite');
    token = (await api.workspace('find-api')).admin;
    // Inside the workspace's folder under the test folder root: the API reads nowhere else.
    const mail = writeMailbox(join(workspaceFolder('find-api', 'tp-find-api-'), 'mail'), [
      { id: 'plus@acme.com', from: 'john+billing@acme.com', to: 'alice@ourco.com', subject: 'Invoice question' },
    ]);
    await seedOverApi(api, token, { mail, endUser: { email: 'john@acme.com' }, authorizedAt: '2026-01-01T00:00:00Z' });
    await api.queue.idle();
  });
  afterAll(async () => api?.close());

  it('finds by sender: the explain document, where, live: false', async () => {
    const res = await api.call(token, 'GET', '/v1/find/email?from=john%2Bbilling@acme.com');
    expect(res.status).toBe(200);
    expect(res.body.candidates).toEqual([
      expect.objectContaining({
        messageId: 'plus@acme.com',
        outcome: 'not_linked',
        live: false,
        where: [expect.objectContaining({ teammate: 'alice@ourco.com' })],
        remedyCodes: expect.arrayContaining([expect.any(String)]),
      }),
    ]);
    expect(res.body.candidates[0].checks.find((c: { status: string }) => c.status === 'fail').code).toBe('E3_NO_END_USER');
  });

  it('a bad query is a 400 in the AppError shape, naming the parameter', async () => {
    const res = await api.call(token, 'GET', '/v1/find/email?from=john%2Bbilling@acme.com&on=2026-13-01');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid', fields: [{ field: 'query.on' }] });
    const none = await api.call(token, 'GET', '/v1/find/meeting');
    expect(none.status).toBe(400);
    expect(none.body.fields[0].field).toBe('query.title|attendee');
    const ask = await api.call(token, 'GET', '/v1/find/email?from=john%2Bbilling@acme.com&askMailboxes=yes');
    expect(ask.status).toBe(400);
    expect(ask.body.fields[0].field).toBe('query.askMailboxes');
  });

  it('askMailboxes=true is accepted and the answer keeps its documented shape', async () => {
    const res = await api.call(token, 'GET', '/v1/find/email?from=john%2Bbilling@acme.com&askMailboxes=true');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['candidates']);
    expect(res.body.candidates.map((c: { messageId: string }) => c.messageId)).toContain('plus@acme.com');
  });

  it('is in the OpenAPI document as findEmail / findMeeting', async () => {
    const doc = (await api.call(null, 'GET', '/openapi.json')).body;
    expect(doc.paths['/v1/find/email'].get.operationId).toBe('findEmail');
    expect(doc.paths['/v1/find/meeting'].get.operationId).toBe('findMeeting');
    expect(Object.keys(doc.paths['/v1/find/email'].get.responses)).toEqual(expect.arrayContaining(['200', '400']));
  });
});
