// Microsoft Graph push faults against the emulator, through the service (API + the embedded
// queue with the real sync job) and the real Graph client: the connection is synced only by
// change notifications, never by polling. Mid-sync, Graph removes the Inbox subscription
// (lifecycle `subscriptionRemoved`) and change notifications are lost on the way while mail
// keeps arriving; later Graph reports them `missed`. Every message must be stored once.
// The lifecycle events follow https://learn.microsoft.com/graph/change-notifications-lifecycle-events.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createConnection } from '../src/store/connections.js';
import { addAccount, addTeammate, insertEndUser } from '../src/store/directory.js';
import { encryptSecret } from '../src/secrets/secrets.js';
import { MicrosoftEmulator } from '../test/emulators/microsoft.js';
import { microsoftEmulatorConfig, testConfig } from '../test/support/config.js';
import { makeTestApi, SECRET_KEY, type TestApi } from '../test/support/service.js';
import { QUICK, record } from './ledger.js';
import { sleep } from './support.js';

const N = QUICK ? 300 : 1200;
const INBOX = "me/mailFolders('inbox')/messages";
const ms = new MicrosoftEmulator();
let api: TestApi;

let connId = '';
const expected: string[] = [];
let minute = 0;

/** n new Inbox messages, each followed by the change notification Graph would send (or lose). */
async function arrive(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${i}@mail.test`;
    ms.addMessage({
      id: `AAMk-${id}`,
      folder: 'inbox',
      internetMessageId: id,
      subject: id,
      from: i % 10 === 0 ? 'john@acme.com' : `someone${i}@elsewhere.org`,
      to: ['alice@ourco.com'],
      receivedDateTime: new Date(Date.parse('2026-03-02T00:00:00Z') + minute++ * 60_000).toISOString(),
      body: `message ${i} of ${prefix}`,
    });
    expected.push(id);
    await ms.changed(INBOX);
  }
}

async function stored(): Promise<number> {
  const r = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM emails`.execute(api.db);
  return Number(r.rows[0]!.n);
}

/** Polls until `n` emails are stored (or the queue is idle), then acts. */
async function whenStored(n: number, act: () => Promise<void>): Promise<number> {
  for (;;) {
    const have = await stored();
    if (have >= n) {
      await act();
      return have;
    }
    await sleep(15);
  }
}

/** As faults/ledger.ts counts, but Graph bodies are HTML: a linked email with neither body is lost. */
async function census(): Promise<{ stored: number; duplicates: number; lost: number; missing: string[] }> {
  const rows = await sql<{ key: string; n: number }>`SELECT message_id AS key, COUNT(*) AS n FROM emails GROUP BY message_id`.execute(
    api.db,
  );
  const have = new Map(rows.rows.map((r) => [r.key, Number(r.n)]));
  const missing = expected.filter((k) => !have.has(k));
  const bodiless = await sql<{
    key: string;
  }>`SELECT message_id AS key FROM emails WHERE outcome = 'linked' AND body_text IS NULL AND body_html IS NULL`.execute(api.db);
  const duplicates = [...have.values()].reduce((s, x) => s + x - 1, 0);
  return {
    stored: expected.length - missing.length,
    duplicates,
    lost: missing.length + bodiless.rows.length,
    missing: [...missing, ...bodiless.rows.map((b) => `${b.key} (no body)`)].slice(0, 5),
  };
}

beforeAll(async () => {
  await ms.start();
  const config = testConfig({ microsoft: microsoftEmulatorConfig(ms) });
  api = await makeTestApi('sqlite', { now: new Date('2026-03-20T12:00:00Z'), config });
  ms.nowMs = () => api.clock.now().getTime();
  config.publicUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { ws, admin } = await api.workspace('cs-team');

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
  // The first sync (asked for once, as Connect does) subscribes; from then on only push.
  await arrive('first', N / 4);
  await api.call(admin, 'POST', `/v1/connections/${connId}/sync`);
  await api.queue.idle();
}, 600_000);

afterAll(async () => {
  await api.close();
  await ms.stop();
});

describe('Graph faults', () => {
  it('subscription removed and notifications missed mid-sync while mail keeps arriving', async () => {
    const removedSub = [...ms.subscriptions.values()].find((s) => s.resource === INBOX)!;
    // A big batch, notified: the sync it starts pages through it …
    const batch = arrive('batch', N);
    // … and a third of the way in, notifications start being lost and Graph removes the subscription.
    let dropped = 0;
    const at = await whenStored(N / 4 + N / 3, async () => {
      ms.dropDeliveries = true;
      await ms.removeSubscription(removedSub.id);
    });
    await batch;
    await arrive('while-removed', N / 4); // no subscription, or notifications lost on the way
    await api.queue.idle();
    const newSub = [...ms.subscriptions.values()].find((s) => s.resource === INBOX)!;
    await arrive('after-recreate', N / 4); // the new subscription's notifications are lost too
    dropped = newSub.undelivered ?? 0;
    ms.dropDeliveries = false;
    await ms.sendMissed(newSub.id);
    await api.queue.idle();
    const c = await census();
    const conn = await api.db.selectFrom('connections').select(['status', 'last_error']).where('id', '=', connId).executeTakeFirstOrThrow();
    const live = [...ms.subscriptions.values()].map((s) => s.resource).sort();
    record(
      {
        scenario: 'Graph subscription removed + notifications missed mid-sync',
        faults: `subscriptionRemoved at ${at}/${expected.length - N / 2} stored; ${N / 2} arrived unnotified, ${dropped} notifications lost then reported missed; push only, no polling`,
        expected: expected.length,
        stored: c.stored,
        duplicates: c.duplicates,
        lost: c.lost,
        healthy:
          conn.status === 'active' &&
          conn.last_error === null &&
          newSub.id !== removedSub.id &&
          live.join() === ['me/events', INBOX, "me/mailFolders('sentitems')/messages"].sort().join(),
      },
      c,
    );
  });
});
