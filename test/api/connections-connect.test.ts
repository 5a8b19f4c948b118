// Connecting IMAP and CalDAV through the API, against a real Dovecot and a real Radicale:
// credentials are checked before anything is saved, stored encrypted, and never answered back;
// Re-authorize checks the new password the same way; Disconnect deletes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { apiServiceHooks } from '../../src/service/api-hooks.js';
import { getConnection, listConnections } from '../../src/store/connections.js';
import { getWorkspace } from '../../src/store/workspaces.js';
import { loadDirectoryIndex } from '../../src/store/context.js';
import { syncConnection } from '../../src/sync/run-sync.js';
import { decryptSecret } from '../../src/secrets/secrets.js';
import { CalDavAccount, RadicaleServer, SERVER_SETUP_MS } from '../support/caldav-server.js';
import { deliver, startMailServer, type Dovecot } from '../support/imap.js';
import { testConfig, testConnectors } from '../support/config.js';
import { makeTestApi, SECRET_KEY, type TestApi } from '../support/service.js';

const AUTHORIZED_AT = '2026-03-01T00:00:00Z';
let api: TestApi;
let dovecot: Dovecot;
let radicale: RadicaleServer;
const A = { admin: '', csm: '', id: '' };
const B = { admin: '' };

const imapBody = (over: Record<string, unknown> = {}) => ({
  teammate: 'alice@ourco.com',
  host: dovecot.host,
  port: dovecot.port,
  security: 'plain',
  user: 'alice',
  password: 'imap-right',
  authorizedAt: AUTHORIZED_AT,
  ...over,
});
const caldavBody = (over: Record<string, unknown> = {}) => ({
  teammate: 'alice@ourco.com',
  url: radicale.url,
  user: 'alice',
  password: 'cal-right',
  authorizedAt: AUTHORIZED_AT,
  ...over,
});
const saved = async () => listConnections(api.db, A.id);

/** Each test that needs a connected mailbox makes its own, on its own Dovecot user. */
const IMAP_USERS = { alice: 'imap-right', reauth: 'reauth-right', leaver: 'leaver-right', racer: 'racer-right' };
async function connectOwn(user: keyof typeof IMAP_USERS): Promise<string> {
  const res = await api.call(A.admin, 'POST', '/v1/connections/imap', imapBody({ user, password: IMAP_USERS[user] }));
  expect(res.status).toBe(201);
  await api.queue.idle();
  return res.body.id as string;
}
const customerMail = (id: string, subject: string) => ({
  at: '2026-03-10T09:00:00Z',
  raw: [
    'From: jane@acme.com',
    'To: alice@ourco.com',
    `Subject: ${subject}`,
    `Message-ID: <${id}@acme.com>`,
    'Date: Tue, 10 Mar 2026 09:00:00 +0000',
    '',
    'Hello',
    '',
  ].join('\r\n'),
});

beforeAll(async () => {
  [dovecot, radicale] = await Promise.all([
    startMailServer({ users: IMAP_USERS }),
    RadicaleServer.start({ users: { alice: 'cal-right' } }),
  ]);
  api = await makeTestApi('sqlite');
  const a = await api.workspace('acme-cs');
  Object.assign(A, { admin: a.admin, csm: a.csm, id: a.ws.id });
  B.admin = (await api.workspace('other-cs')).admin;
  await api.call(A.admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
  await api.call(A.admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' });
  await api.call(A.admin, 'POST', '/v1/accounts/acme/end-users', { email: 'jane@acme.com' });
  await deliver(dovecot, 'alice', 'imap-right', [customerMail('imap-1', 'Over IMAP')]);
  await deliver(dovecot, 'leaver', 'leaver-right', [customerMail('leaver-1', 'Before disconnect')]);
  // A meeting alice organizes with jane (an end user of Acme) who accepted: linked (M1–M6).
  const cal = new CalDavAccount(radicale, 'alice', 'cal-right');
  await cal.makeCalendar('work', 'Work');
  await cal.put(
    'work',
    'kickoff.ics',
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//touchpoint test//EN',
      'BEGIN:VEVENT',
      'UID:kickoff-1@ourco.com',
      'DTSTAMP:20260305T090000Z',
      'DTSTART:20260312T150000Z',
      'DTEND:20260312T160000Z',
      'SUMMARY:Acme kickoff',
      'ORGANIZER:mailto:alice@ourco.com',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@ourco.com',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:jane@acme.com',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
  );
}, SERVER_SETUP_MS);

afterAll(async () => {
  await api?.close();
  await dovecot?.stop();
  await radicale?.close();
});

describe('connect IMAP through the API', () => {
  it('refuses a wrong password, an unreachable server and bad input, and saves nothing', async () => {
    const wrong = await api.call(A.admin, 'POST', '/v1/connections/imap', imapBody({ password: 'imap-wrong' }));
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({
      error: 'rejected',
      message: expect.stringMatching(/rejected the user name or password.*nothing was saved/),
    });

    const closed = await api.call(A.admin, 'POST', '/v1/connections/imap', imapBody({ port: 9 }));
    expect(closed.status).toBe(422);
    expect(closed.body.message).toMatch(/127\.0\.0\.1:9: could not connect; nothing was saved/);

    const badHost = await api.call(A.admin, 'POST', '/v1/connections/imap', imapBody({ host: 'mail server!' }));
    expect(badHost.status).toBe(400);
    expect(badHost.body.fields).toEqual([expect.objectContaining({ field: 'body.host' })]);

    const clear = await api.call(A.admin, 'POST', '/v1/connections/imap', imapBody({ host: 'imap.example.com' }));
    expect(clear.status).toBe(400);
    expect(clear.body.message).toMatch(/body\.security: plain IMAP would send the password in clear text/);

    const stranger = await api.call(A.admin, 'POST', '/v1/connections/imap', imapBody({ teammate: 'nobody@ourco.com' }));
    expect([stranger.status, stranger.body.message]).toEqual([
      404,
      'no teammate with address nobody@ourco.com: add them to the workspace first',
    ]);

    expect((await api.call(A.csm, 'POST', '/v1/connections/imap', imapBody())).status).toBe(403);
    expect(await saved()).toEqual([]);
  });

  it('says plainly when the server has no key to encrypt passwords with', async () => {
    const keyless = await buildApp({
      db: api.db,
      queue: api.queue,
      clock: api.clock,
      metrics: api.metrics,
      service: apiServiceHooks({ db: api.db, queue: api.queue }),
      secretKey: null,
      config: testConfig({ secretKey: undefined }),
      secrets: testConnectors(testConfig({ secretKey: undefined })).secrets,
      webRoot: false,
    });
    try {
      const res = await keyless.inject({
        method: 'POST',
        url: '/v1/connections/imap',
        headers: { authorization: `Bearer ${A.admin}` },
        payload: imapBody(),
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().message).toMatch(/TOUCHPOINT_SECRET_KEY/);
    } finally {
      await keyless.close();
    }
    expect(await saved()).toEqual([]);
  });

  it('connects with the right password: stored encrypted, never answered back, first sync links the mail', async () => {
    const res = await api.call(A.admin, 'POST', '/v1/connections/imap', imapBody());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      teammate: 'alice@ourco.com',
      provider: 'imap',
      mail: true,
      calendar: false,
      authorizedAt: '2026-03-01T00:00:00.000Z',
    });
    const connectionId = res.body.id;
    const row = (await getConnection(api.db, A.id, connectionId))!;
    expect(row.secretEnc).not.toContain('imap-right');
    expect(decryptSecret(row.secretEnc!, SECRET_KEY)).toBe('imap-right');
    expect(JSON.stringify(row.config)).not.toContain('imap-right');

    await api.queue.idle();
    const timeline = await api.call(A.admin, 'GET', '/v1/accounts/acme/timeline');
    expect(timeline.body.items.map((i: { subject?: string }) => i.subject)).toContain('Over IMAP');
    const all = await api.call(A.admin, 'GET', '/v1/connections');
    const mine = all.body.connections.find((c: { id: string }) => c.id === connectionId);
    expect(mine).toMatchObject({ status: 'active', counts: { email: { seen: 1, linked: 1 } } });
    expect(JSON.stringify(all.body)).not.toContain('imap-right');
  });

  it("re-authorizes only with a password the server accepts; another workspace's id is not found", async () => {
    const connectionId = await connectOwn('reauth');
    const before = (await getConnection(api.db, A.id, connectionId))!.secretEnc;
    const wrong = await api.call(A.admin, 'POST', `/v1/connections/${connectionId}/reauthorize`, { secret: 'imap-wrong' });
    expect([wrong.status, wrong.body.error]).toEqual([422, 'rejected']);
    expect((await getConnection(api.db, A.id, connectionId))!.secretEnc).toBe(before);
    expect((await api.call(A.admin, 'POST', `/v1/connections/${connectionId}/reauthorize`, {})).status).toBe(400);

    await dovecot.setPassword('reauth', 'reauth-new');
    const right = await api.call(A.admin, 'POST', `/v1/connections/${connectionId}/reauthorize`, { secret: 'reauth-new' });
    expect([right.status, right.body.status]).toEqual([200, 'active']);
    expect(decryptSecret((await getConnection(api.db, A.id, connectionId))!.secretEnc!, SECRET_KEY)).toBe('reauth-new');

    for (const path of ['reauthorize', 'disconnect', 'sync']) {
      const other = await api.call(B.admin, 'POST', `/v1/connections/${connectionId}/${path}`, { secret: 'reauth-new' });
      expect([path, other.status]).toEqual([path, 404]);
    }
    expect((await api.call(A.csm, 'POST', `/v1/connections/${connectionId}/reauthorize`, { secret: 'reauth-new' })).status).toBe(403);
  });

  it('disconnects: the stored password is deleted, nothing syncs, what was logged stays', async () => {
    const connectionId = await connectOwn('leaver');
    const subjects = async () =>
      ((await api.call(A.admin, 'GET', '/v1/accounts/acme/timeline')).body.items as { subject?: string }[]).map((i) => i.subject);
    expect(await subjects()).toContain('Before disconnect');
    expect((await api.call(A.csm, 'POST', `/v1/connections/${connectionId}/disconnect`)).status).toBe(403);
    const res = await api.call(A.admin, 'POST', `/v1/connections/${connectionId}/disconnect`);
    expect([res.status, res.body.status, res.body.nextSyncAt]).toEqual([200, 'disconnected', null]);
    expect((await getConnection(api.db, A.id, connectionId))!.secretEnc).toBeNull();
    expect((await api.call(A.admin, 'POST', `/v1/connections/${connectionId}/sync`)).status).toBe(409);
    expect(await subjects()).toContain('Before disconnect');
  });

  it('a sync that was already running when Disconnect was pressed leaves it disconnected', async () => {
    const res = { body: { id: await connectOwn('racer') } };
    const running = (await getConnection(api.db, A.id, res.body.id))!; // what the sync read when it started
    expect((await api.call(A.admin, 'POST', `/v1/connections/${res.body.id}/disconnect`)).status).toBe(200);
    const ctx = { db: api.db, ws: (await getWorkspace(api.db, A.id))!, now: api.clock.now(), actor: 'sync', connectors: testConnectors() };
    const report = await syncConnection(ctx, await loadDirectoryIndex(ctx), running, new Map([[running.id, running]]));
    expect(report.failure).toBeUndefined(); // it did sync, with the password it had read
    const after = (await getConnection(api.db, A.id, res.body.id))!;
    expect([after.status, after.nextSyncAt, after.secretEnc]).toEqual(['disconnected', null, null]);
  });
});

describe('connect CalDAV through the API', () => {
  it('refuses a wrong password and clear-text http to another machine, and saves nothing', async () => {
    const count = (await saved()).length;
    const wrong = await api.call(A.admin, 'POST', '/v1/connections/caldav', caldavBody({ password: 'cal-wrong' }));
    expect([wrong.status, wrong.body.message]).toEqual([
      422,
      'the CalDAV server rejected the user name or password for alice; nothing was saved',
    ]);
    const http = await api.call(A.admin, 'POST', '/v1/connections/caldav', caldavBody({ url: 'http://caldav.example.com/' }));
    expect(http.status).toBe(400);
    expect(http.body.message).toMatch(/^body\.url: use https:\/\//);
    const notUrl = await api.call(A.admin, 'POST', '/v1/connections/caldav', caldavBody({ url: 'caldav server' }));
    expect([notUrl.status, notUrl.body.fields?.[0]?.field]).toEqual([400, 'body.url']);
    expect((await saved()).length).toBe(count);
  });

  it('connects with the right password and its first sync links the meeting; re-authorize checks the new one', async () => {
    const res = await api.call(A.admin, 'POST', '/v1/connections/caldav', caldavBody());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: 'caldav', mail: false, calendar: true });
    await api.queue.idle();
    const health = await api.call(A.admin, 'GET', `/v1/connections/${res.body.id}`);
    expect(health.body).toMatchObject({ status: 'active', lastError: null });
    expect(health.body.lastSuccessAt).not.toBeNull();
    expect(health.body.counts.meeting).toMatchObject({ seen: 1, linked: 1 });
    const timeline = await api.call(A.admin, 'GET', '/v1/accounts/acme/timeline');
    expect(timeline.body.items.map((i: { title?: string; subject?: string }) => i.title ?? i.subject)).toContain('Acme kickoff');
    const wrong = await api.call(A.admin, 'POST', `/v1/connections/${res.body.id}/reauthorize`, { secret: 'cal-wrong' });
    expect(wrong.status).toBe(422);
    expect(decryptSecret((await getConnection(api.db, A.id, res.body.id))!.secretEnc!, SECRET_KEY)).toBe('cal-right');
  });
});
