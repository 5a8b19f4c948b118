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
let csm: string;

/** Follows the consent page like a browser and lands on our callback; returns where it sends the browser. */
async function connectThroughBrowser(token: string, query: string): Promise<{ location: string; params: URLSearchParams }> {
  const start = await api.call(token, 'GET', `/v1/oauth/google/start?${query}`);
  expect(start.status, JSON.stringify(start.body)).toBe(200);
  const consent = await fetch(start.body.url, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get('location')!);
  expect(back.pathname).toBe('/oauth/google/callback');
  const res = await api.app.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
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
  ({ admin, csm } = await api.workspace('cs-team'));
  expect((await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' })).status).toBe(201);
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
    api.clock.set(new Date(api.clock.now().getTime() + 16 * 60_000));
    const late = await api.app.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
    expect(new URLSearchParams(String(late.headers.location).split('?')[1]).get('error')).toMatch(/longer than 15 minutes/);

    const start2 = await api.call(csm, 'GET', '/v1/oauth/google/start?teammate=alice@ourco.com&products=gmail');
    const back2 = new URL((await fetch(start2.body.url, { redirect: 'manual' })).headers.get('location')!);
    const first = await api.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}` });
    expect(String(first.headers.location)).toMatch(/connected=/);
    const replay = await api.app.inject({ method: 'GET', url: `${back2.pathname}${back2.search}` });
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
