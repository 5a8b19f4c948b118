// serve's push: one IMAP IDLE session per active IMAP connection, a push sync queued when new
// mail arrives, sessions closed for a connection that needs re-authorization, and sessions
// that a server restart killed noticed (the count drops) and made again. Real Dovecot.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectImap } from '../../src/app/connect.js';
import { OutboundPolicy } from '../../src/net/outbound-policy.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { DEFAULT_RETRY } from '../../src/queue/types.js';
import { createSecrets, deriveKey } from '../../src/secrets/secrets.js';
import { PushSupervisor } from '../../src/service/push-supervisor.js';
import { SYNC_QUEUE, type SyncJobData } from '../../src/service/scheduler.js';
import { updateConnection } from '../../src/store/connections.js';
import type { Store } from '../../src/store/db.js';
import { addTeammate } from '../../src/store/directory.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { TEST_PASSPHRASE, testConfig } from '../support/config.js';
import { openTestStore } from '../support/databases.js';
import { type Dovecot, deliver, eventually, startMailServer } from '../support/imap.js';

const NOW = new Date('2026-03-20T09:00:00Z');
const PASS = 'push-password';
let dovecot: Dovecot;
let db: Store;
let close: () => Promise<void>;
let queue: InProcessQueue;
let push: PushSupervisor;
const jobs: SyncJobData[] = [];
const ids = { alice: '', ben: '', wsId: '' };
/** Syncs for announced new mail (urgent, 'push'); a (re)connection's catch-up is a routine one ('schedule'). */
const pushesFor = (id: string) => jobs.filter((j) => j.connectionId === id && j.reason === 'push').length;
const syncsFor = (id: string) => jobs.filter((j) => j.connectionId === id).length;

beforeAll(async () => {
  dovecot = await startMailServer({ users: { alice: PASS, ben: PASS } });
  ({ db, close } = await openTestStore('sqlite', 'push'));
  const ws = await createWorkspace(db, 'push', ['ourco.com'], NOW);
  ids.wsId = ws.id;
  const deps = {
    db,
    ws,
    now: NOW,
    actor: 'test',
    secretKey: deriveKey(TEST_PASSPHRASE),
    outbound: new OutboundPolicy({ allow: ['127.0.0.1/32'] }),
  };
  for (const who of ['alice', 'ben'] as const) {
    await addTeammate(db, ws.id, { email: `${who}@ourco.com`, aliases: [] }, NOW);
    const spec = { host: dovecot.host, port: dovecot.port, security: 'plain' as const, user: who, auth: 'password' as const };
    ids[who] = (await connectImap(deps, { ...spec, teammate: `${who}@ourco.com`, secret: PASS, authorizedAt: NOW, verify: false })).id;
  }
  queue = new InProcessQueue(DEFAULT_RETRY);
  await queue.work<SyncJobData>(SYNC_QUEUE, { concurrency: 1 }, async (job) => {
    jobs.push(job.data);
  });
  push = new PushSupervisor({
    db,
    queue,
    connectors: { secrets: createSecrets(TEST_PASSPHRASE), settings: testConfig() },
    refreshMs: 60_000,
  });
  push.start();
}, 120_000);

afterAll(async () => {
  await push?.stop();
  await queue?.stop({ timeoutMs: 1000 });
  await close?.();
  await dovecot?.stop();
});

it('keeps an IDLE session per active IMAP connection and queues a push sync when mail arrives', async () => {
  await eventually(async () => push.sessions().idle === 2, 30_000);
  // Each session, once up, asks for one routine sync (mail may have come while nobody listened).
  await eventually(async () => syncsFor(ids.alice) >= 1 && syncsFor(ids.ben) >= 1, 10_000);
  expect(pushesFor(ids.alice) + pushesFor(ids.ben)).toBe(0);
  const before = pushesFor(ids.alice);
  await deliver(dovecot, 'alice', PASS, [
    { raw: 'Message-ID: <p1@acme.com>\r\nFrom: bob@acme.com\r\nTo: alice@ourco.com\r\nSubject: hi\r\n\r\nhello\r\n', at: NOW },
  ]);
  await eventually(async () => pushesFor(ids.alice) > before, 15_000);
  expect(syncsFor(ids.ben)).toBe(1);
  expect(pushesFor(ids.ben)).toBe(0);
});

it('closes the session of a connection that needs re-authorization, and notices sessions a server restart killed', async () => {
  await updateConnection(db, ids.wsId, ids.ben, { status: 'needs_reauth', statusReason: 'refused' });
  await push.refresh();
  await eventually(async () => push.sessions().watched === 1 && push.sessions().idle === 1, 10_000);

  const before = syncsFor(ids.alice);
  await dovecot.restart();
  // The session the restart killed is made again on its own (backoff from 1 s), and asks for
  // a sync at once: mail that came meanwhile is not left for the next interval.
  await eventually(async () => push.sessions().idle === 1 && syncsFor(ids.alice) > before, 30_000);
  expect(push.sessions()).toEqual({ idle: 1, watched: 1 });
});
