// "Connect Google" in the browser, end to end against the Google emulator: the start URL
// carries PKCE and read-only scopes, the emulator's consent page sends the browser back to
// the callback, the code is exchanged with the verifier, Gmail and Calendar connections are
// created and synced at once with the refresh token stored encrypted. A revoked grant is
// re-authorized through the same flow: the same connection, authorizedAt kept, the outage
// caught up. Refusals (Cancel on the consent page, a forged or expired state, a replayed
// code) come back to the web app in plain words and connect nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleEmulator } from '../emulators/google.js';
import { eml } from '../support/cli.js';
import { googleEmulatorConfig, testConfig } from '../support/config.js';
import { makeTestApi, type TestApi } from '../support/service.js';

const PASSPHRASE = 'test passphrase of at least thirty-two characters'; // the key makeTestApi uses
const g = new GoogleEmulator();
let api: TestApi;
let admin: string;
/** A CSM token bound to alice: may connect and re-authorize alice's own accounts. */
let csm: string;
/** A CSM token bound to bob, alice's colleague. */
let bobCsm: string;
/** A CSM token bound to no teammate. */
let unboundCsm: string;

/** The cookie the start set, as the same browser sends it back to the callback. */
function browserCookie(headers: Record<string, unknown>): string {
  const set = headers['set-cookie'];
  const first = String(Array.isArray(set) ? set[0] : set);
  return first.split(';')[0]!;
}

/** Follows the consent page like a browser and lands on our callback; returns where it sends the browser. */
async function connectThroughBrowser(token: string, query: string): Promise<{ location: string; params: URLSearchParams }> {
  const start = await api.call(token, 'GET', `/v1/oauth/google/start?${query}`);
  expect(start.status, JSON.stringify(start.body)).toBe(200);
  const consent = await fetch(start.body.url, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get('location')!);
  expect(back.pathname).toBe('/oauth/google/callback');
  const cookie = browserCookie(start.headers);
  const res = await api.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie } });
  expect(res.statusCode).toBe(303);
  const location = String(res.headers.location);
  return { location, params: new URLSearchParams(location.split('?')[1] ?? '') };
}

async function gmailConnection() {
  return (await api.call(csm, 'GET', '/v1/connections')).body.connections.find((c: { provider: string }) => c.provider === 'gmail');
}

beforeAll(async () => {
  await g.start();
  const config = testConfig({ secretKey: PASSPHRASE, google: googleEmulatorConfig(g), publicUrl: 'https://touchpoint.example.com' });
  api = await makeTestApi('sqlite', { now: new Date('2026-03-10T12:00:00Z'), config });
  ({ admin, csm: unboundCsm } = await api.workspace('cs-team'));
  expect((await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' })).status).toBe(201);
  expect((await api.call(admin, 'POST', '/v1/teammates', { email: 'bob@ourco.com' })).status).toBe(201);
  const bound = async (teammate: string) => {
    const res = await api.call(admin, 'POST', '/v1/tokens', { name: teammate, role: 'csm', teammate });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.token as string;
  };
  csm = await bound('alice@ourco.com');
  bobCsm = await bound('bob@ourco.com');
  expect((await api.call(admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' })).status).toBe(201);
  expect((await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'john@acme.com' })).status).toBe(201);
});

afterAll(async () => {
  await api?.close();
  await g.stop();
});

describe('Connect Google from the browser', () => {
  it('start: a consent URL with PKCE (S256), offline access, read-only scopes and the configured redirect URL', async () => {
    const res = await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail,calendar');
    expect(res.status).toBe(200);
    expect(res.body.redirectUri).toBe('https://touchpoint.example.com/oauth/google/callback');
    const url = new URL(res.body.url);
    expect(`${url.origin}${url.pathname}`).toBe(g.authUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('scope')!.split(' ').sort()).toEqual([
      'https://www.googleapis.com/auth/calendar.readonly',
      'https://www.googleapis.com/auth/gmail.readonly',
    ]);
    // The state is sealed: neither the workspace nor the PKCE verifier can be read from it.
    const state = url.searchParams.get('state')!;
    expect(Buffer.from(state, 'base64url').toString()).not.toMatch(/alice|codeVerifier|workspace/);
  });

  it('start refuses plainly: unknown teammate, unknown product, no token', async () => {
    expect((await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=nobody@ourco.com')).body.message).toMatch(
      /no teammate with address nobody@ourco.com/,
    );
    expect((await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=drive')).body.message).toMatch(
      /gmail, calendar or both \(not drive\)/,
    );
    expect((await api.call(null, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com')).status).toBe(401);
  });

  it('consent → callback → Gmail and Calendar connected, synced at once, the token encrypted', async () => {
    g.addMessage(
      'g-0',
      eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: '2026-03-09T11:00:00Z', messageId: 'before-grant@acme.com' }),
      '2026-03-09T11:00:00Z',
    );
    g.addMessage(
      'g-1',
      eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: '2026-03-10T12:05:00Z', messageId: 'hello@acme.com' }),
      '2026-03-10T12:05:00Z',
    );
    const { location, params } = await connectThroughBrowser(csm, 'teammate=alice@ourco.com&products=gmail,calendar');
    expect(location).toMatch(/^\/#\/sync\?connected=/);
    const ids = params.get('connected')!.split(',');
    expect(ids).toHaveLength(2);
    await api.queue.idle();
    const { connections } = (await api.call(csm, 'GET', '/v1/connections')).body;
    expect(connections.map((c: { provider: string }) => c.provider).sort()).toEqual(['gmail', 'google_calendar']);
    for (const c of connections) expect(c).toMatchObject({ status: 'active', authorizedAt: '2026-03-10T12:00:00.000Z', lastError: null });
    // The sync ran at once: mail since the grant is linked, mail from before it is not read (E2).
    // before-grant@ (a day before authorization) is read too, headers only, and answered historic (E2).
    expect((await gmailConnection()).counts.email).toMatchObject({ seen: 2, linked: 1 });
    const rows = await api.db.selectFrom('connections').select('secret_enc').execute();
    for (const r of rows) expect(r.secret_enc).toMatch(/^v1:/);
    expect(JSON.stringify(rows)).not.toContain('1//rt-');
  });

  it('a revoked grant is re-authorized through the same flow: same connection, authorizedAt kept, the gap caught up', async () => {
    g.revokeAll();
    api.clock.set(new Date('2026-03-12T09:00:00Z'));
    g.addMessage(
      'g-2',
      eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: '2026-03-11T10:00:00Z', messageId: 'during-outage@acme.com' }),
      '2026-03-11T10:00:00Z',
    );
    const before = await gmailConnection();
    expect((await api.call(csm, 'POST', `/v1/connections/${before.id}/sync`)).status).toBe(202);
    await api.queue.idle();
    const broken = await gmailConnection();
    expect(broken.status).toBe('needs_reauth');
    expect(broken.statusReason).toMatch(/Google says the grant was revoked or expired/);

    const { params } = await connectThroughBrowser(csm, 'teammate=alice@ourco.com&products=gmail');
    expect(params.get('connected')).toBe(before.id);
    await api.queue.idle();
    const after = await gmailConnection();
    expect(after).toMatchObject({ id: before.id, status: 'active', authorizedAt: '2026-03-10T12:00:00.000Z' });
    expect(after.counts.email.linked).toBe(2);
    expect((await api.call(csm, 'GET', '/v1/connections')).body.connections).toHaveLength(2);
  });

  it('Cancel on the consent page, a forged state, an expired state, a replayed code: plain words, nothing connected', async () => {
    const count = async () => (await api.call(csm, 'GET', '/v1/connections')).body.connections.length;
    const n = await count();

    g.consent = 'deny';
    const denied = await connectThroughBrowser(csm, 'teammate=alice@ourco.com');
    expect(denied.params.get('error')).toMatch(/access was not granted on the Google consent screen; nothing was connected/);
    g.consent = 'allow';

    const forged = await api.app.inject({
      method: 'GET',
      url: `/oauth/google/callback?code=4/x&state=${Buffer.from('v1:abc:def').toString('base64url')}`,
    });
    expect(new URLSearchParams(String(forged.headers.location).split('?')[1]).get('error')).toMatch(/not one Touchpoint made/);

    const start = await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
    const back = new URL((await fetch(start.body.url, { redirect: 'manual' })).headers.get('location')!);
    api.clock.set(new Date(api.clock.now().getTime() + 11 * 60_000));
    const late = await api.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie: browserCookie(start.headers) },
    });
    expect(new URLSearchParams(String(late.headers.location).split('?')[1]).get('error')).toMatch(/longer than 10 minutes/);

    const start2 = await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
    const back2 = new URL((await fetch(start2.body.url, { redirect: 'manual' })).headers.get('location')!);
    const cookie = browserCookie(start2.headers);
    const first = await api.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}`, headers: { cookie } });
    expect(String(first.headers.location)).toMatch(/connected=/);
    const replay = await api.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}`, headers: { cookie } });
    expect(new URLSearchParams(String(replay.headers.location).split('?')[1]).get('error')).toMatch(/already used or expired/);
    expect(await count()).toBe(n);
  });

  it('Disconnect stops the Calendar channel at Google while the token is still there', async () => {
    // The calendar connection's grant was revoked above: sign in again, so its channel is reopened by the sync.
    await connectThroughBrowser(csm, 'teammate=alice@ourco.com&products=calendar');
    await api.queue.idle();
    const cal = (await api.call(csm, 'GET', '/v1/connections')).body.connections.find(
      (c: { provider: string }) => c.provider === 'google_calendar',
    );
    expect(cal.status).toBe('active');
    const open = [...g.channels.values()].filter((c) => !c.stopped);
    expect(open.length).toBeGreaterThan(0);
    expect((await api.call(admin, 'POST', `/v1/connections/${cal.id}/disconnect`)).body.status).toBe('disconnected');
    const stored = (await api.db.selectFrom('connections').select('config').where('id', '=', cal.id).executeTakeFirstOrThrow()).config;
    const channelId = (JSON.parse(String(stored)) as { push: { channelId: string } }).push.channelId;
    expect(g.channels.get(channelId)!.stopped).toBe(true);
  });
});

describe("the browser sign-in is the starting user's, once, in their browser (issue 18 findings 4 and 5)", () => {
  const gmailSecret = async () =>
    (await api.db.selectFrom('connections').select(['id', 'secret_enc']).where('provider', '=', 'gmail').executeTakeFirstOrThrow())
      .secret_enc;

  it("a CSM cannot start a grant for a colleague, so cannot re-point the colleague's mailbox", async () => {
    const before = await gmailSecret();
    for (const token of [bobCsm, unboundCsm]) {
      const res = await api.call(token, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/alice@ourco\.com|admin/);
    }
    expect(await gmailSecret()).toBe(before);
    // Bob's own account: allowed; an admin: anyone's.
    expect((await api.call(bobCsm, 'GET', '/v1/oauth/google/start?teammate=bob@ourco.com&products=gmail')).status).toBe(200);
    expect((await api.call(admin, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail')).status).toBe(200);
  });

  it('sets a cookie bound to the start: HttpOnly, SameSite=Lax, Secure for an https public URL, only for the callback', async () => {
    const start = await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
    const set = String(start.headers['set-cookie']);
    expect(set).toMatch(/^tp_oauth_google=[A-Za-z0-9_-]{43}; /);
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; SameSite=Lax/);
    expect(set).toMatch(/; Secure/);
    expect(set).toMatch(/; Path=\/oauth\/google\//);
    expect(set).toMatch(/; Max-Age=600/);
  });

  it("a callback in another browser (no cookie, or another start's cookie) connects nothing", async () => {
    const before = await gmailSecret();
    const start = await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
    const other = await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
    const back = new URL((await fetch(start.body.url, { redirect: 'manual' })).headers.get('location')!);
    for (const headers of [{}, { cookie: browserCookie(other.headers) }]) {
      const res = await api.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers });
      expect(new URLSearchParams(String(res.headers.location).split('?')[1]).get('error')).toMatch(/started in another browser/);
    }
    expect(await gmailSecret()).toBe(before);
  });

  it('a state is used once: a second callback with the same state and a fresh code is refused', async () => {
    const start = await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
    const cookie = browserCookie(start.headers);
    const back1 = new URL((await fetch(start.body.url, { redirect: 'manual' })).headers.get('location')!);
    const first = await api.app.inject({ method: 'GET', url: `${back1.pathname}${back1.search}`, headers: { cookie } });
    expect(String(first.headers.location)).toMatch(/connected=/);
    const afterFirst = await gmailSecret();
    // The same consent URL again: the provider issues a new, valid code with the same state.
    const back2 = new URL((await fetch(start.body.url, { redirect: 'manual' })).headers.get('location')!);
    expect(back2.searchParams.get('code')).not.toBe(back1.searchParams.get('code'));
    const again = await api.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}`, headers: { cookie } });
    expect(new URLSearchParams(String(again.headers.location).split('?')[1]).get('error')).toMatch(/already used/);
    expect(await gmailSecret()).toBe(afterFirst);
  });

  it('the redirect URI comes only from TOUCHPOINT_PUBLIC_URL: never the Host header; unset, the start refuses saying so', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail',
      headers: { authorization: `Bearer ${admin}`, host: 'attacker.example' },
    });
    expect(JSON.parse(res.body).redirectUri).toBe('https://touchpoint.example.com/oauth/google/callback');
    const saved = api.config.publicUrl;
    api.config.publicUrl = undefined;
    try {
      const off = await api.call(admin, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
      expect(off.status).toBe(409);
      expect(off.body.message).toMatch(/TOUCHPOINT_PUBLIC_URL/);
    } finally {
      api.config.publicUrl = saved;
    }
  });
});
