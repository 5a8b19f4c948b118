// Google push against the emulator, with the API listening on a real port (Google posts
// calendar notifications to it): the first sync opens a Gmail watch (INBOX + SENT on the
// configured Pub/Sub topic) and a Calendar channel; a Pub/Sub push or a channel
// notification queues a sync that brings the new mail / meeting in; a wrong push token or
// channel token is refused and syncs nothing; a watch about to expire is renewed by the
// next sync (new channel, the old one stopped and then refused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptSecret } from '../../src/secrets/secrets.js';
import { createConnection } from '../../src/store/connections.js';
import { teammateByAddress } from '../../src/store/directory.js';
import { GoogleEmulator } from '../emulators/google.js';
import { eml } from '../support/cli.js';
import { googleEmulatorConfig, testConfig } from '../support/config.js';
import { makeTestApi, SECRET_KEY, type TestApi } from '../support/service.js';

const PASSPHRASE = 'test passphrase of at least thirty-two characters'; // SECRET_KEY's
const PUSH_TOKEN = 'pubsub-push-token-0123456789';
const TOPIC = 'projects/touchpoint-test/topics/gmail';
const g = new GoogleEmulator();
let api: TestApi;
let csm: string;
let base = '';
let gmailId = '';
let calendarId = '';

const pubsub = (token: string, emailAddress = 'me@example.com') =>
  fetch(`${base}/push/google/gmail?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: { data: Buffer.from(JSON.stringify({ emailAddress, historyId: g.historyId })).toString('base64'), messageId: '1' },
      subscription: 'projects/touchpoint-test/subscriptions/tp',
    }),
  });
const health = async (id: string) => (await api.call(csm, 'GET', `/v1/connections/${id}`)).body;
const timeline = async () => (await api.call(csm, 'GET', '/v1/accounts/acme/timeline')).body as { items?: unknown[] } | unknown[];
const timelineText = async () => JSON.stringify(await timeline());
const channelOf = async (id: string) =>
  (await api.db.selectFrom('connections').select('config').where('id', '=', id).executeTakeFirstOrThrow()).config;
const event = (id: string, start: string) => ({
  id,
  iCalUID: id,
  status: 'confirmed',
  summary: id,
  start: { dateTime: start, timeZone: 'UTC' },
  end: { dateTime: new Date(Date.parse(start) + 1800_000).toISOString(), timeZone: 'UTC' },
  organizer: { email: 'alice@ourco.com', self: true },
  attendees: [{ email: 'john@acme.com', responseStatus: 'accepted' }],
});

beforeAll(async () => {
  await g.start();
  const config = testConfig({
    secretKey: PASSPHRASE,
    google: { ...googleEmulatorConfig(g), pubsubTopic: TOPIC, pushToken: PUSH_TOKEN },
  });
  api = await makeTestApi('sqlite', { now: new Date('2026-03-10T12:00:00Z'), config });
  g.nowMs = () => api.clock.now().getTime();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = api.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  // Known once listening: where Google posts calendar notifications.
  api.config.publicUrl = base;
  const w = await api.workspace('cs-team');
  csm = w.csm;
  expect((await api.call(w.admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' })).status).toBe(201);
  expect((await api.call(w.admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' })).status).toBe(201);
  expect((await api.call(w.admin, 'POST', '/v1/accounts/acme/end-users', { email: 'john@acme.com' })).status).toBe(201);
  const alice = (await teammateByAddress(api.db, w.ws.id, 'alice@ourco.com'))!;
  const now = api.clock.now();
  const common = { teammateId: alice.id, config: {}, authorizedAt: new Date('2026-03-01T00:00:00Z') };
  gmailId = await createConnection(
    api.db,
    w.ws.id,
    { ...common, provider: 'gmail', secretEnc: encryptSecret(g.issueRefreshToken(), SECRET_KEY), hasMail: true, hasCalendar: false },
    now,
  );
  calendarId = await createConnection(
    api.db,
    w.ws.id,
    {
      ...common,
      provider: 'google_calendar',
      secretEnc: encryptSecret(g.issueRefreshToken(), SECRET_KEY),
      hasMail: false,
      hasCalendar: true,
    },
    now,
  );
  for (const id of [gmailId, calendarId]) await api.call(csm, 'POST', `/v1/connections/${id}/sync`);
  await api.queue.idle();
});

afterAll(async () => {
  await api?.close();
  await g.stop();
});

describe('Google push', () => {
  it('the first sync opens a Gmail watch on INBOX + SENT and a Calendar channel to our public URL', async () => {
    expect(g.gmailWatches).toEqual([{ topicName: TOPIC, labelIds: ['INBOX', 'SENT'] }]);
    const [ch] = [...g.channels.values()];
    expect(ch).toMatchObject({ address: `${base}/push/google/calendar`, stopped: false });
    // Only the token's hash is stored.
    expect(await channelOf(calendarId)).not.toContain(ch!.token);
    for (const id of [gmailId, calendarId]) expect((await health(id)).status).toBe('active');
  });

  it('the sync message Google sends on channel creation (even before the channel is stored) is acknowledged, not refused', async () => {
    for (let i = 0; i < 50 && g.syncMessages.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(g.syncMessages.map((m) => m.status)).toEqual([204]);
  });

  it('a Pub/Sub push brings new mail in; a wrong push token is refused and syncs nothing', async () => {
    g.addMessage(
      'g-1',
      eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: '2026-03-10T12:01:00Z', messageId: 'pushed@acme.com' }),
      '2026-03-10T12:01:00Z',
    );
    expect((await pubsub('not-the-token')).status).toBe(403);
    await api.queue.idle();
    expect(await timelineText()).not.toContain('pushed@acme.com');
    expect((await pubsub(PUSH_TOKEN)).status).toBe(204);
    await api.queue.idle();
    expect(await timelineText()).toContain('pushed@acme.com');
    // A push for a mailbox nobody connected is acknowledged (Pub/Sub stops retrying), nothing else.
    expect((await pubsub(PUSH_TOKEN, 'stranger@example.com')).status).toBe(204);
  });

  it('a channel notification brings the new meeting in; a wrong channel token is refused', async () => {
    const [ch] = [...g.channels.values()];
    expect(await g.notifyCalendar(ch!.id, 'sync')).toBe(204);
    g.putEvent(event('pushed-meeting', '2026-03-10T11:00:00Z'));
    expect(await g.notifyCalendar(ch!.id, 'exists', 'forged-token')).toBe(403);
    await api.queue.idle();
    expect(await timelineText()).not.toContain('pushed-meeting');
    expect(await g.notifyCalendar(ch!.id, 'exists')).toBe(204);
    await api.queue.idle();
    expect(await timelineText()).toContain('pushed-meeting');
  });

  it('a watch about to expire is renewed by the next sync: a new channel, the old one stopped and refused', async () => {
    const [old] = [...g.channels.values()];
    api.clock.set(new Date(api.clock.now().getTime() + 6.5 * 24 * 3600_000));
    for (const id of [gmailId, calendarId]) await api.call(csm, 'POST', `/v1/connections/${id}/sync`);
    await api.queue.idle();
    expect(g.gmailWatches).toHaveLength(2);
    const fresh = [...g.channels.values()].filter((c) => !c.stopped);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.id).not.toBe(old!.id);
    expect(g.channels.get(old!.id)!.stopped).toBe(true);
    expect(await g.notifyCalendar(old!.id)).toBe(404);
    // Its "sync" message asks for nothing: acknowledged like a new channel's, stored or not.
    expect(await g.notifyCalendar(old!.id, 'sync')).toBe(204);
    expect(await g.notifyCalendar(fresh[0]!.id)).toBe(204);
    // A sync well before expiry renews nothing.
    await api.call(csm, 'POST', `/v1/connections/${calendarId}/sync`);
    await api.queue.idle();
    expect(g.channels.size).toBe(2);
  });

  it('a watch that cannot be opened leaves the sync healthy and says so in the connection errors', async () => {
    api.clock.set(new Date(api.clock.now().getTime() + 7 * 24 * 3600_000));
    g.addMessage(
      'g-2',
      eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: '2026-03-18T09:00:00Z', messageId: 'no-push@acme.com' }),
      '2026-03-18T09:00:00Z',
    );
    api.config.google.pubsubTopic = 'not a topic';
    await api.call(csm, 'POST', `/v1/connections/${gmailId}/sync`);
    await api.queue.idle();
    api.config.google.pubsubTopic = TOPIC;
    const h = await health(gmailId);
    expect(h.status).toBe('active');
    expect(await timelineText()).toContain('no-push@acme.com');
    expect(JSON.stringify(h)).toMatch(/could not set up push \(new items arrive by the regular sync instead\)/);
  });
});
