// Microsoft Graph change notifications end to end, over real HTTP: the service (API + the
// embedded queue with the real sync job) listens on loopback; its sync creates the
// subscriptions at the emulator, which validates the notification URL with the handshake
// as Graph does. A notification with a wrong clientState is refused (403) and syncs
// nothing; a right one queues a sync that finds the new mail; lifecycle notifications
// renew (reauthorizationRequired), recreate (subscriptionRemoved) or catch up (missed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from '../../src/store/connections.js';
import { addAccount, addTeammate, insertEndUser } from '../../src/store/directory.js';
import { encryptSecret } from '../../src/secrets/secrets.js';
import { MicrosoftEmulator } from '../emulators/microsoft.js';
import { microsoftEmulatorConfig, testConfig } from '../support/config.js';
import { makeTestApi, SECRET_KEY, type TestApi } from '../support/service.js';

const ms = new MicrosoftEmulator();
let api: TestApi;
let admin = '';
let wsId = '';
let connId = '';
let base = '';

const inboxDeltas = () => ms.log.filter((l) => l.path.startsWith('/v1.0/me/mailFolders/inbox/messages/delta')).length;
const subFor = (resource: string) => [...ms.subscriptions.values()].find((s) => s.resource === resource)!;
const add = (id: string, at: string) =>
  ms.addMessage({
    id: `AAMk-${id}`,
    folder: 'inbox',
    internetMessageId: id,
    subject: id,
    from: 'john@acme.com',
    to: ['alice@ourco.com'],
    receivedDateTime: at,
  });
const outcome = async (messageId: string) =>
  (await api.call(admin, 'GET', `/v1/explain/email?messageId=${encodeURIComponent(messageId)}`)).body.outcome as string;

beforeAll(async () => {
  await ms.start();
  const config = testConfig({ microsoft: microsoftEmulatorConfig(ms) }); // its key is SECRET_KEY's
  api = await makeTestApi('sqlite', { now: new Date('2026-03-10T12:00:00Z'), config });
  ms.nowMs = () => api.clock.now().getTime();
  base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  config.publicUrl = base; // known once listening: the notification URL the subscriptions get
  const { ws, admin: token } = await api.workspace('cs-team');
  admin = token;
  wsId = ws.id;
  const now = api.clock.now();
  const t = await addTeammate(api.db, ws.id, { email: 'alice@ourco.com', aliases: [] }, now);
  await addAccount(api.db, ws.id, { id: 'acme', name: 'Acme' }, now);
  await insertEndUser(api.db, ws.id, { accountId: 'acme', email: 'john@acme.com', source: 'manual' }, now);
  connId = await createConnection(
    api.db,
    ws.id,
    {
      teammateId: t.id,
      provider: 'graph',
      config: {},
      secretEnc: encryptSecret(ms.issueRefreshToken(), SECRET_KEY),
      hasMail: true,
      hasCalendar: true,
      authorizedAt: new Date('2026-03-01T00:00:00Z'),
    },
    now,
  );
  add('before-push@acme.com', '2026-03-05T10:00:00Z');
  expect((await api.call(admin, 'POST', `/v1/connections/${connId}/sync`)).status).toBeLessThan(300);
  await api.queue.idle();
}, 120_000);

afterAll(async () => {
  await api.close();
  await ms.stop();
});

describe('Graph change notifications', () => {
  it('the first sync subscribes Inbox and SentItems (created) and events (created,updated,deleted), after the URL validation handshake', async () => {
    expect(await outcome('before-push@acme.com')).toBe('linked');
    expect([...ms.subscriptions.values()].map((s) => `${s.resource} ${s.changeType}`).sort()).toEqual([
      'me/events created,updated,deleted',
      "me/mailFolders('inbox')/messages created",
      "me/mailFolders('sentitems')/messages created",
    ]);
    const sub = subFor("me/mailFolders('inbox')/messages");
    expect(sub.notificationUrl).toBe(`${base}/push/microsoft/${wsId}/${connId}`);
    expect(sub.clientState.length).toBeGreaterThanOrEqual(32);
    // The clientState is stored encrypted only.
    const rows = await api.db.selectFrom('connections').select('config').execute();
    expect(JSON.stringify(rows)).toContain(sub.id);
    expect(JSON.stringify(rows)).not.toContain(sub.clientState);
  });

  it('answers the validation handshake with the token as text/plain', async () => {
    const r = await fetch(
      `${base}/push/microsoft/${wsId}/${connId}?validationToken=${encodeURIComponent('Validation: Testing client application reachability')}`,
      { method: 'POST', headers: { 'content-type': 'text/plain' } },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await r.text()).toBe('Validation: Testing client application reachability');
  });

  it('a wrong clientState is refused with 403 and syncs nothing; the right one queues a sync that finds the new mail', async () => {
    add('pushed-1@acme.com', '2026-03-09T10:00:00Z');
    const before = inboxDeltas();
    const sub = subFor("me/mailFolders('inbox')/messages");
    const wrong = await ms.notify(sub.id, { clientState: `${sub.clientState.slice(0, -1)}x` });
    expect(wrong.status).toBe(403);
    const unknown = await fetch(`${base}/push/microsoft/${wsId}/not-a-connection`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [{ subscriptionId: sub.id, clientState: sub.clientState }] }),
    });
    expect(unknown.status).toBe(403);
    await api.queue.idle();
    expect(inboxDeltas()).toBe(before);
    expect(await outcome('pushed-1@acme.com')).toBe('unknown');

    const right = await ms.notify(sub.id);
    expect(right.status).toBe(202);
    await api.queue.idle();
    expect(inboxDeltas()).toBe(before + 1);
    expect(await outcome('pushed-1@acme.com')).toBe('linked');
  });

  // Lifecycle notifications (https://learn.microsoft.com/graph/change-notifications-lifecycle-events),
  // sent by the emulator to each subscription's lifecycleNotificationUrl.
  it('subscriptions ask for lifecycle notifications at the notification URL', () => {
    for (const s of ms.subscriptions.values()) expect(s.lifecycleNotificationUrl).toBe(s.notificationUrl);
  });

  it('reauthorizationRequired: notifications are held until the sync reauthorizes (renews) the subscription, then flow again', async () => {
    const inbox = subFor("me/mailFolders('inbox')/messages");
    expect(await ms.requireReauthorization(inbox.id)).toBe(202);
    await api.queue.idle();
    expect(inbox.needsReauthorization).toBe(false);
    expect(ms.log.some((l) => l.method === 'PATCH' && l.path === `/v1.0/subscriptions/${inbox.id}`)).toBe(true);
    add('after-reauth@acme.com', '2026-03-09T10:30:00Z');
    expect(await ms.changed(inbox.resource)).toEqual([202]);
    await api.queue.idle();
    expect(await outcome('after-reauth@acme.com')).toBe('linked');
  });

  it('subscriptionRemoved: the sync creates a new subscription, and new mail is pushed through it', async () => {
    const events = subFor('me/events');
    expect(await ms.removeSubscription(events.id)).toBe(202);
    await api.queue.idle();
    const recreated = subFor('me/events');
    expect(recreated.id).not.toBe(events.id);
    expect(recreated.lifecycleNotificationUrl).toBe(events.lifecycleNotificationUrl);

    const inbox = subFor("me/mailFolders('inbox')/messages");
    expect(await ms.removeSubscription(inbox.id)).toBe(202);
    await api.queue.idle();
    const newInbox = subFor("me/mailFolders('inbox')/messages");
    expect(newInbox.id).not.toBe(inbox.id);
    add('after-removed@acme.com', '2026-03-09T10:45:00Z');
    expect(await ms.changed(newInbox.resource)).toEqual([202]);
    await api.queue.idle();
    expect(await outcome('after-removed@acme.com')).toBe('linked');
  });

  it('missed: mail whose notifications were lost comes in with the sync the missed notification queues', async () => {
    const inbox = subFor("me/mailFolders('inbox')/messages");
    ms.dropDeliveries = true;
    add('missed-1@acme.com', '2026-03-09T11:00:00Z');
    add('missed-2@acme.com', '2026-03-09T11:01:00Z');
    expect(await ms.changed(inbox.resource)).toEqual([]);
    expect(await ms.changed(inbox.resource)).toEqual([]);
    expect(inbox.undelivered).toBe(2);
    await api.queue.idle();
    expect(await outcome('missed-1@acme.com')).toBe('unknown');
    ms.dropDeliveries = false;
    expect(await ms.sendMissed(inbox.id)).toBe(202);
    await api.queue.idle();
    expect(await outcome('missed-1@acme.com')).toBe('linked');
    expect(await outcome('missed-2@acme.com')).toBe('linked');
  });

  it('renews every subscription when it expires within a day, not before', async () => {
    const patches = () => ms.log.filter((l) => l.method === 'PATCH' && l.path.startsWith('/v1.0/subscriptions/')).length;
    const syncNow = async () => {
      expect((await api.call(admin, 'POST', `/v1/connections/${connId}/sync`)).status).toBeLessThan(300);
      await api.queue.idle();
    };
    const before = patches();
    await syncNow();
    expect(patches()).toBe(before); // three days left: nothing to do
    const expiries = [...ms.subscriptions.values()].map((s) => s.expirationDateTime);
    api.clock.advance(2.5 * 24 * 3_600_000);
    await syncNow();
    expect(patches()).toBe(before + 3);
    expect([...ms.subscriptions.values()].every((s) => !expiries.includes(s.expirationDateTime))).toBe(true);
  });

  it('a subscription that cannot be created leaves the sync healthy and shows "could not set up push" until it works', async () => {
    const inbox = subFor("me/mailFolders('inbox')/messages");
    ms.subscriptions.delete(inbox.id);
    ms.refuseSubscriptions = true;
    add('while-refused@acme.com', '2026-03-09T12:00:00Z');
    expect((await ms.notify(subFor('me/events').id)).status).toBe(202);
    expect(
      (
        await fetch(inbox.notificationUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            value: [{ subscriptionId: inbox.id, clientState: inbox.clientState, lifecycleEvent: 'subscriptionRemoved' }],
          }),
        })
      ).status,
    ).toBe(202);
    await api.queue.idle();
    let health = (await api.call(admin, 'GET', `/v1/connections/${connId}`)).body;
    expect(health.status).toBe('active');
    expect(await outcome('while-refused@acme.com')).toBe('linked');
    expect(JSON.stringify(health.errors)).toMatch(/could not set up push.*Subscription validation request failed/);

    ms.refuseSubscriptions = false;
    expect((await api.call(admin, 'POST', `/v1/connections/${connId}/sync`)).status).toBeLessThan(300);
    await api.queue.idle();
    health = (await api.call(admin, 'GET', `/v1/connections/${connId}`)).body;
    expect(health.errors).toEqual([]);
    expect(subFor("me/mailFolders('inbox')/messages").id).not.toBe(inbox.id);
  });

  it('Disconnect deletes the subscriptions at Graph (while the token is still there); later notifications are refused', async () => {
    const subs = [...ms.subscriptions.values()];
    expect(subs).toHaveLength(3);
    const res = await api.call(admin, 'POST', `/v1/connections/${connId}/disconnect`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('disconnected');
    expect(ms.subscriptions.size).toBe(0);
    expect(
      ms.log
        .filter((l) => l.method === 'DELETE')
        .map((l) => l.path)
        .sort(),
    ).toEqual(subs.map((s) => `/v1.0/subscriptions/${s.id}`).sort());
    const late = await fetch(subs[0]!.notificationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [{ subscriptionId: subs[0]!.id, clientState: subs[0]!.clientState, changeType: 'created' }] }),
    });
    expect(late.status).toBe(403);
  });
});
