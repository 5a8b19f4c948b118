// "Connect Microsoft 365" in the browser, end to end against the Microsoft emulator through
// @azure/msal-node: the start URL carries PKCE (S256) and the read-only Graph scopes, the
// emulator's /authorize page sends the browser back to the callback, msal redeems the code
// with the verifier, one `graph` connection (mail + calendar) is created and synced at once
// with the refresh token stored encrypted. A revoked grant is re-authorized through the same
// flow: the same connection, authorizedAt kept, the outage caught up. Refusals (Cancel on the
// consent page, a forged, a Google or an expired state, a replayed code) come back to the web
// app in plain words and connect nothing. Disconnect deletes the connection's subscriptions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealState } from '../../src/providers/oauth-state.js';
import { SECRET_KEY } from '../support/service.js';
import { MicrosoftEmulator } from '../emulators/microsoft.js';
import { microsoftEmulatorConfig, testConfig } from '../support/config.js';
import { makeTestApi, type TestApi } from '../support/service.js';

const PASSPHRASE = 'test passphrase of at least thirty-two characters'; // the key makeTestApi uses
const ms = new MicrosoftEmulator();
let api: TestApi;
let admin: string;
/** A CSM token bound to alice: may connect and re-authorize alice's own account. */
let csm: string;
/** A CSM token bound to bob, alice's colleague. */
let bobCsm: string;

/** The cookie the start set, as the same browser sends it back to the callback. */
function browserCookie(headers: Record<string, unknown>): string {
  const set = headers['set-cookie'];
  return String(Array.isArray(set) ? set[0] : set).split(';')[0]!;
}

const inbox = (id: string, at: string) =>
  ms.addMessage({
    id: `AAMk-${id}`,
    folder: 'inbox',
    internetMessageId: id,
    subject: id,
    from: 'john@acme.com',
    to: ['alice@ourco.com'],
    receivedDateTime: at,
  });
const errorOf = (location: unknown) => new URLSearchParams(String(location).split('?')[1] ?? '').get('error');

/** Follows the consent page like a browser and lands on our callback; returns where it sends the browser. */
async function connectThroughBrowser(token: string, query: string): Promise<{ location: string; params: URLSearchParams }> {
  const start = await api.call(token, 'GET', `/v1/oauth/microsoft/start?${query}`);
  expect(start.status, JSON.stringify(start.body)).toBe(200);
  const consent = await fetch(start.body.url, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get('location')!);
  expect(back.pathname).toBe('/oauth/microsoft/callback');
  const res = await api.app.inject({
    method: 'GET',
    url: `${back.pathname}${back.search}`,
    headers: { cookie: browserCookie(start.headers) },
  });
  expect(res.statusCode).toBe(303);
  const location = String(res.headers.location);
  return { location, params: new URLSearchParams(location.split('?')[1] ?? '') };
}

async function graphConnection() {
  return (await api.call(csm, 'GET', '/v1/connections')).body.connections.find((c: { provider: string }) => c.provider === 'graph');
}

beforeAll(async () => {
  await ms.start();
  ms.validateNotificationUrl = false; // the public URL below is not reachable from here
  const config = testConfig({ secretKey: PASSPHRASE, microsoft: microsoftEmulatorConfig(ms), publicUrl: 'https://touchpoint.example.com' });
  api = await makeTestApi('sqlite', { now: new Date('2026-03-10T12:00:00Z'), config });
  ({ admin } = await api.workspace('cs-team'));
  expect((await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' })).status).toBe(201);
  expect((await api.call(admin, 'POST', '/v1/teammates', { email: 'bob@ourco.com' })).status).toBe(201);
  const bound = async (teammate: string) =>
    (await api.call(admin, 'POST', '/v1/tokens', { name: teammate, role: 'csm', teammate })).body.token as string;
  csm = await bound('alice@ourco.com');
  bobCsm = await bound('bob@ourco.com');
  expect((await api.call(admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' })).status).toBe(201);
  expect((await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'john@acme.com' })).status).toBe(201);
});

afterAll(async () => {
  await api?.close();
  await ms.stop();
});

describe('Connect Microsoft 365 from the browser', () => {
  it('start: a consent URL with PKCE (S256), the read-only Graph scopes and offline_access, and the configured redirect URL', async () => {
    const res = await api.call(csm, 'GET', '/v1/oauth/microsoft/start?teammate=alice@ourco.com&products=mail,calendar');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.redirectUri).toBe('https://touchpoint.example.com/oauth/microsoft/callback');
    const url = new URL(res.body.url);
    expect(`${url.origin}${url.pathname}`).toBe(ms.authorizeUrl);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('redirect_uri')).toBe('https://touchpoint.example.com/oauth/microsoft/callback');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['Mail.Read', 'Calendars.Read', 'offline_access']));
    expect(url.searchParams.get('scope')).not.toMatch(/ReadWrite|Send/);
    // The state is sealed: neither the workspace nor the PKCE verifier can be read from it.
    const state = url.searchParams.get('state')!;
    expect(Buffer.from(state, 'base64url').toString()).not.toMatch(/alice|codeVerifier|workspace/);
  });

  it('start refuses plainly: unknown teammate, unknown product, no token', async () => {
    expect((await api.call(csm, 'GET', '/v1/oauth/microsoft/start?teammate=nobody@ourco.com')).body.message).toMatch(
      /no teammate with address nobody@ourco.com/,
    );
    expect((await api.call(csm, 'GET', '/v1/oauth/microsoft/start?teammate=alice@ourco.com&products=onedrive')).body.message).toMatch(
      /mail, calendar or both \(not onedrive\)/,
    );
    expect((await api.call(null, 'GET', '/v1/oauth/microsoft/start?teammate=alice@ourco.com')).status).toBe(401);
  });

  it('consent → callback → one graph connection (mail and calendar), synced at once, the token encrypted', async () => {
    inbox('before-grant@acme.com', '2026-03-09T11:00:00Z');
    inbox('hello@acme.com', '2026-03-10T12:05:00Z');
    const { location, params } = await connectThroughBrowser(csm, 'teammate=alice@ourco.com&products=mail,calendar');
    expect(location).toMatch(/^\/#\/sync\?connected=/);
    expect(params.get('connected')!.split(',')).toHaveLength(1);
    // The code was redeemed with the verifier (the emulator checks it against the challenge).
    expect(ms.log.some((l) => l.method === 'POST' && l.path.includes('/oauth2/v2.0/token'))).toBe(true);
    await api.queue.idle();
    const c = await graphConnection();
    expect(c).toMatchObject({
      id: params.get('connected'),
      status: 'active',
      authorizedAt: '2026-03-10T12:00:00.000Z',
      lastError: null,
      mail: true,
      calendar: true,
    });
    // The sync ran at once: mail since the grant is linked, mail from before it is not read (E2).
    // before-grant@ (a day before authorization) is read too, headers only, and answered historic (E2).
    expect(c.counts.email).toMatchObject({ seen: 2, linked: 1 });
    expect(ms.log.some((l) => l.path.startsWith('/v1.0/me/calendarView/delta'))).toBe(true);
    const rows = await api.db.selectFrom('connections').select('secret_enc').execute();
    expect(rows[0]!.secret_enc).toMatch(/^v1:/);
    expect(JSON.stringify(rows)).not.toContain('0.AR-rt-');
  });

  it('a revoked grant is re-authorized through the same flow: same connection, authorizedAt kept, the gap caught up', async () => {
    ms.revokeAll();
    api.clock.set(new Date('2026-03-12T09:00:00Z'));
    inbox('during-outage@acme.com', '2026-03-11T10:00:00Z');
    const before = await graphConnection();
    expect((await api.call(csm, 'POST', `/v1/connections/${before.id}/sync`)).status).toBe(202);
    await api.queue.idle();
    const broken = await graphConnection();
    expect(broken.status).toBe('needs_reauth');
    expect(broken.statusReason).toMatch(/Microsoft says the grant was revoked or expired/);

    const { params } = await connectThroughBrowser(csm, 'teammate=alice@ourco.com');
    expect(params.get('connected')).toBe(before.id);
    await api.queue.idle();
    const after = await graphConnection();
    expect(after).toMatchObject({ id: before.id, status: 'active', authorizedAt: '2026-03-10T12:00:00.000Z' });
    expect(after.counts.email.linked).toBe(2);
    expect((await api.call(csm, 'GET', '/v1/connections')).body.connections).toHaveLength(1);
  });

  it('Cancel on the consent page, a forged, a Google or an expired state, a replayed code: plain words, nothing connected', async () => {
    const count = async () => (await api.call(csm, 'GET', '/v1/connections')).body.connections.length;
    const n = await count();

    ms.consent = 'deny';
    const denied = await connectThroughBrowser(csm, 'teammate=alice@ourco.com');
    expect(denied.params.get('error')).toMatch(/access was not granted on the Microsoft consent screen; nothing was connected/);
    ms.consent = 'allow';

    const forged = await api.app.inject({
      method: 'GET',
      url: `/oauth/microsoft/callback?code=0.AR-x&state=${Buffer.from('v1:abc:def').toString('base64url')}`,
    });
    expect(errorOf(forged.headers.location)).toMatch(/not one Touchpoint made/);

    // A genuine state of the Google flow is no good here.
    const google = sealState(
      'google',
      { expiresAt: api.clock.now().getTime() + 60_000, nonce: 'n', startedBy: { actor: 'api:x', role: 'admin', teammate: null } },
      SECRET_KEY,
    );
    const crossed = await api.app.inject({ method: 'GET', url: `/oauth/microsoft/callback?code=0.AR-x&state=${google}` });
    expect(errorOf(crossed.headers.location)).toMatch(/not one Touchpoint made for this provider/);

    const start = await api.call(csm, 'GET', '/v1/oauth/microsoft/start?teammate=alice@ourco.com');
    const back = new URL((await fetch(start.body.url, { redirect: 'manual' })).headers.get('location')!);
    api.clock.set(new Date(api.clock.now().getTime() + 11 * 60_000));
    const late = await api.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie: browserCookie(start.headers) },
    });
    expect(errorOf(late.headers.location)).toMatch(/longer than 10 minutes/);

    const start2 = await api.call(csm, 'GET', '/v1/oauth/microsoft/start?teammate=alice@ourco.com');
    const back2 = new URL((await fetch(start2.body.url, { redirect: 'manual' })).headers.get('location')!);
    const cookie = browserCookie(start2.headers);
    const first = await api.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}`, headers: { cookie } });
    expect(String(first.headers.location)).toMatch(/connected=/);
    const replay = await api.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}`, headers: { cookie } });
    expect(errorOf(replay.headers.location)).toMatch(/already used/);
    expect(await count()).toBe(n);
    await api.queue.idle();
  });

  it('Disconnect deletes its Graph subscriptions; connecting again makes a new connection with only the products asked for', async () => {
    const before = await graphConnection();
    expect(ms.subscriptions.size).toBe(3); // the syncs above subscribed (TOUCHPOINT_PUBLIC_URL is set)
    expect((await api.call(admin, 'POST', `/v1/connections/${before.id}/disconnect`)).body.status).toBe('disconnected');
    expect(ms.subscriptions.size).toBe(0);

    const { params } = await connectThroughBrowser(csm, 'teammate=alice@ourco.com&products=mail');
    expect(params.get('connected')).not.toBe(before.id);
    await api.queue.idle();
    const fresh = (await api.call(csm, 'GET', '/v1/connections')).body.connections.find(
      (c: { id: string }) => c.id === params.get('connected'),
    );
    expect(fresh).toMatchObject({ provider: 'graph', status: 'active', mail: true, calendar: false });
  });
});

describe("the browser sign-in is the starting user's, once, in their browser (issue 18 findings 4 and 5)", () => {
  const graphSecret = async () =>
    (
      await api.db
        .selectFrom('connections')
        .select('secret_enc')
        .where('provider', '=', 'graph')
        .where('status', '!=', 'disconnected')
        .executeTakeFirst()
    )?.secret_enc;

  it("a CSM cannot start a grant for a colleague, so cannot re-point the colleague's mailbox", async () => {
    const before = await graphSecret();
    const res = await api.call(bobCsm, 'GET', '/v1/oauth/microsoft/start?teammate=alice@ourco.com');
    expect(res.status).toBe(403);
    expect(await graphSecret()).toBe(before);
    expect((await api.call(bobCsm, 'GET', '/v1/oauth/microsoft/start?teammate=bob@ourco.com')).status).toBe(200);
  });

  it("a callback without the starting browser's cookie, or a second one with the same state, connects nothing", async () => {
    const start = await api.call(csm, 'GET', '/v1/oauth/microsoft/start?teammate=alice@ourco.com');
    expect(String(start.headers['set-cookie'])).toMatch(
      /^tp_oauth_microsoft=[\w-]{43}; Path=\/oauth\/microsoft\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
    const back = new URL((await fetch(start.body.url, { redirect: 'manual' })).headers.get('location')!);
    const elsewhere = await api.app.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
    expect(errorOf(elsewhere.headers.location)).toMatch(/started in another browser/);
    const cookie = browserCookie(start.headers);
    expect(
      String((await api.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie } })).headers.location),
    ).toMatch(/connected=/);
    const after = await graphSecret();
    const back2 = new URL((await fetch(start.body.url, { redirect: 'manual' })).headers.get('location')!);
    const again = await api.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}`, headers: { cookie } });
    expect(errorOf(again.headers.location)).toMatch(/already used/);
    expect(await graphSecret()).toBe(after);
    await api.queue.idle();
  });

  it('without TOUCHPOINT_PUBLIC_URL the start refuses, saying to set it', async () => {
    const saved = api.config.publicUrl;
    api.config.publicUrl = undefined;
    try {
      const off = await api.call(admin, 'GET', '/v1/oauth/microsoft/start?teammate=alice@ourco.com');
      expect(off.status).toBe(409);
      expect(off.body.message).toMatch(/TOUCHPOINT_PUBLIC_URL/);
    } finally {
      api.config.publicUrl = saved;
    }
  });
});
