// `touchpoint serve` holding IMAP IDLE sessions (real Dovecot) stops on SIGTERM: it closes
// every session, lets the syncs that new mail started finish or stop at a page boundary, and
// exits by itself. Afterwards the store is whole: no email stored twice, and the next sync
// picks up where the stopped one left off, so every message ends up stored exactly once.
// (A serve with 1,000 sessions once logged "stopped" and never exited: the soak found it.)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectImap } from '../../src/app/connect.js';
import { OutboundPolicy } from '../../src/net/outbound-policy.js';
import { createSecrets, deriveKey } from '../../src/secrets/secrets.js';
import type { Store } from '../../src/store/db.js';
import { addAccount, addTeammate, insertEndUser } from '../../src/store/directory.js';
import { openStore } from '../../src/store/open.js';
import { getWorkspace, createWorkspace } from '../../src/store/workspaces.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { TEST_OUTBOUND_ALLOW, TEST_PASSPHRASE, testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { type Dovecot, deliver, eventually, startMailServer } from '../support/imap.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'touchpoint');
const NOW = new Date();
const PASS = 'shutdown-password';
const USERS = ['csm1', 'csm2', 'csm3', 'csm4', 'csm5'];
let dovecot: Dovecot;
let database: TestDatabase;
let wsId = '';

const mail = (user: string, n: number) => ({
  raw: `Message-ID: <stop-${user}-${n}@cust.example>\r\nFrom: pat@cust.example\r\nTo: ${user}@ourco.com\r\nSubject: update ${n}\r\n\r\nhello ${n}\r\n`,
  at: NOW,
});

beforeAll(async () => {
  dovecot = await startMailServer({ users: Object.fromEntries(USERS.map((u) => [u, PASS])) });
  database = await createTestDatabase('sqlite', 'serve-stop');
  const db = await openStore(database.location);
  try {
    const ws = await createWorkspace(db, 'stop', ['ourco.com'], NOW);
    wsId = ws.id;
    await addAccount(db, ws.id, { id: 'cust', name: 'Customer' }, NOW);
    await insertEndUser(db, ws.id, { accountId: 'cust', email: 'pat@cust.example', source: 'manual' }, NOW);
    const deps = {
      db,
      ws,
      now: NOW,
      actor: 'test',
      secretKey: deriveKey(TEST_PASSPHRASE),
      outbound: new OutboundPolicy({ allow: ['127.0.0.1/32'] }),
    };
    for (const user of USERS) {
      await addTeammate(db, ws.id, { email: `${user}@ourco.com`, aliases: [] }, NOW);
      const spec = { host: dovecot.host, port: dovecot.port, security: 'plain' as const, user, auth: 'password' as const };
      await connectImap(deps, { ...spec, teammate: `${user}@ourco.com`, secret: PASS, authorizedAt: NOW, verify: false });
    }
  } finally {
    await db.destroy();
  }
}, 120_000);

afterAll(async () => {
  await dovecot?.stop();
  await database?.drop();
});

async function idleSessions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/touchpoint_push_sessions\{state="idle"\} (\d+)/.exec(text)?.[1] ?? 0);
}

it('serve with IDLE sessions exits on SIGTERM, mid-sync, and leaves nothing half-written', async () => {
  const child = spawn(process.execPath, [BIN, '--db', database.location, 'serve', '--port', '0'], {
    env: {
      ...process.env,
      TOUCHPOINT_SECRET_KEY: TEST_PASSPHRASE,
      TOUCHPOINT_OUTBOUND_ALLOW: TEST_OUTBOUND_ALLOW,
      TOUCHPOINT_LOG_LEVEL: 'warn',
    },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const url = await eventually(async () => /listening on (http:\S+)/.exec(err)?.[1], 60_000, 100);
    await eventually(async () => (await idleSessions(url)) === USERS.length, 60_000, 200);
    // New mail in every mailbox: each session asks for a push sync; SIGTERM comes while they run.
    for (const user of USERS) await deliver(dovecot, user, PASS, [mail(user, 1), mail(user, 2), mail(user, 3)]);
    child.kill('SIGTERM');
    // A hang guard, not a speed target: before the fix the process never exited at all.
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
    expect(code, err).toBe(0);
    expect(err).toContain('SIGTERM, finishing running syncs');
  } finally {
    child.kill('SIGKILL');
  }

  const db: Store = await openStore(database.location);
  try {
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
    expect(integrity.rows.map((r) => r.integrity_check)).toEqual(['ok']);
    const stored = async () =>
      (await db.selectFrom('emails').select('message_id').where('workspace_id', '=', wsId).execute()).map((r) => r.message_id).sort();
    // Whatever the stopped syncs stored, they stored once.
    const partial = await stored();
    expect(new Set(partial).size).toBe(partial.length);
    // The next sync resumes from the saved cursors: every message exactly once.
    const ws = (await getWorkspace(db, wsId))!;
    const connectors = { secrets: createSecrets(TEST_PASSPHRASE), settings: testConfig() };
    await syncAll({ db, ws, now: new Date(), actor: 'test', connectors });
    const want = USERS.flatMap((u) => [1, 2, 3].map((n) => `stop-${u}-${n}@cust.example`)).sort();
    expect(await stored()).toEqual(want);
  } finally {
    await db.destroy();
  }
}, 240_000);
