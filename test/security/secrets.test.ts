// Secrets: `touchpoint secrets rotate` re-encrypts every stored secret (an IMAP password, a
// webhook signing secret) in one transaction; a wrong old key changes nothing and says so
// in one line; `disconnect` deletes a connection's credentials; and a sync + serve run
// never prints or logs a plaintext secret.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import { decryptSecret, deriveKey, encryptSecret } from '../../src/secrets/secrets.js';
import { putWebhook } from '../../src/store/webhooks.js';
import { BIN, Workspace } from '../support/cli.js';

const OLD = 'old passphrase of at least thirty-two characters!!';
const NEW = 'new passphrase of at least thirty-two characters!!';
const PASSWORD = 'imap-Pa55word-that-must-never-show';
const HOOK_SECRET = 'webhook-signing-secret-never-shown';
const CLIENT_STATE = 'graph-client-state-never-shown';

const ws = new Workspace('2026-03-20T12:00:00Z', 'tp-secrets-');
const outputs: string[] = [];
let connectionId = '';

async function secretsInDb(): Promise<string[]> {
  const db = await openSqlite(ws.db);
  try {
    const c = await db.selectFrom('connections').select(['secret_enc', 'config']).execute();
    const w = await db.selectFrom('webhooks').select('secret_enc').execute();
    const inConfig = c.map(
      (r) => (JSON.parse(r.config) as { push?: { mail?: { clientStateEnc?: string } } }).push?.mail?.clientStateEnc ?? '',
    );
    return [...c.map((r) => r.secret_enc ?? ''), ...inConfig, ...w.map((r) => r.secret_enc)].sort();
  } finally {
    await db.destroy();
  }
}

/** Runs the CLI with these variables added to (undefined: removed from) the workspace's children's environment. */
async function cli(args: string[], env: Record<string, string | undefined>) {
  Object.assign(ws.env, env);
  const r = await ws.run(args);
  outputs.push(r.stdout, r.stderr);
  return r;
}

beforeAll(async () => {
  ws.env.IMAP_PW = PASSWORD;
  ws.env.TOUCHPOINT_SECRET_KEY = OLD;
  await ws.init('acme-cs');
  await ws.teammate('alice@ourco.com');
  const r = await cli(
    [
      'connect',
      'imap',
      '--teammate',
      'alice@ourco.com',
      '--host',
      '127.0.0.1',
      '--port',
      '9',
      '--plain',
      '--user',
      'alice',
      '--password-env',
      'IMAP_PW',
      '--no-verify',
      '--authorized-at',
      '2026-03-01T00:00:00Z',
    ],
    {},
  );
  expect(r.code, r.stderr).toBe(0);
  connectionId = /connection (\S+)/.exec(r.stdout)?.[1] ?? '';
  const db = await openSqlite(ws.db);
  const wsId = (await db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
  await putWebhook(
    db,
    wsId,
    { url: 'http://127.0.0.1:9/hook', events: ['activity.linked'], enabled: true, secretEnc: encryptSecret(HOOK_SECRET, deriveKey(OLD)) },
    new Date(),
  );
  // A connector's push state keeps an encrypted clientState inside the JSON config (Graph).
  const conn = await db.selectFrom('connections').select(['id', 'config']).executeTakeFirstOrThrow();
  const config = {
    ...JSON.parse(conn.config),
    push: { mail: { id: 'sub-1', clientStateEnc: encryptSecret(CLIENT_STATE, deriveKey(OLD)) } },
  };
  await db
    .updateTable('connections')
    .set({ config: JSON.stringify(config) })
    .where('id', '=', conn.id)
    .execute();
  await db.destroy();
});
afterAll(() => {
  ws.cleanup();
});

describe('touchpoint secrets rotate', () => {
  it('refuses a wrong old key in one line and changes nothing', async () => {
    const before = await secretsInDb();
    const r = await cli(['secrets', 'rotate', '--new-key-env', 'NEW_KEY'], {
      TOUCHPOINT_SECRET_KEY: 'a wrong passphrase of at least thirty-two chars',
      NEW_KEY: NEW,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^touchpoint: cannot open a secret in \w+\.(secret_enc|config) with the old key .*nothing was changed/);
    expect(await secretsInDb()).toEqual(before);
  });

  it('says which variable is missing', async () => {
    const r = await cli(['secrets', 'rotate', '--new-key-env', 'NOT_SET_ANYWHERE'], {
      TOUCHPOINT_SECRET_KEY: OLD,
      NOT_SET_ANYWHERE: undefined,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^touchpoint: --new-key-env: the environment variable NOT_SET_ANYWHERE is not set/);
  });

  it('re-encrypts every stored secret and reports how many', async () => {
    const r = await cli(['secrets', 'rotate', '--new-key-env', 'NEW_KEY', '--json'], { TOUCHPOINT_SECRET_KEY: OLD, NEW_KEY: NEW });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      total: 3,
      alreadyNew: 0,
      reencrypted: { 'connections.secret_enc': 1, 'connections.config': 1, 'webhooks.secret_enc': 1 },
      newKeyId: deriveKey(NEW).id,
    });
    const values = await secretsInDb();
    expect(values.map((v) => decryptSecret(v, deriveKey(NEW))).sort()).toEqual([PASSWORD, CLIENT_STATE, HOOK_SECRET].sort());
    for (const v of values) expect(() => decryptSecret(v, deriveKey(OLD))).toThrow(/another key/);
  });

  it('run again with the old key set, it finds them all under the new key already', async () => {
    const r = await cli(['secrets', 'rotate', '--new-key-env', 'NEW_KEY'], { TOUCHPOINT_SECRET_KEY: OLD, NEW_KEY: NEW });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Re-encrypted 0 secret\(s\) .*\(3 already under it\)/);
  });
});

describe('no plaintext secret in any output or log', () => {
  it('sync and serve (with debug logs) print neither the IMAP password nor the webhook secret', async () => {
    ws.env.TOUCHPOINT_SECRET_KEY = NEW;
    await cli(['sync'], {});
    await cli(['status', '--json'], {});
    const child = spawn(process.execPath, [BIN, '--db', ws.db, 'serve', '--port', '0'], {
      env: { ...process.env, ...ws.env, TOUCHPOINT_LOG_LEVEL: 'debug', TOUCHPOINT_TICK_MS: '200' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    for (let i = 0; i < 600 && !/listening on http/.test(out); i++) await sleep(100);
    // Wait for the event itself, not a fixed time: the scheduler's first ticks find the IMAP
    // connection due, and its sync fails (nothing listens on port 9). 60 s is a hang guard.
    for (let i = 0; i < 1200 && !out.includes('"msg":"sync finished"'); i++) await sleep(100);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    outputs.push(out);
    expect(out).toMatch(/listening on http/);
    // the connection was synced (and failed: nothing on port 9)
    expect(out, out.slice(-2000)).toContain('"msg":"sync finished"');
    const everything = [...outputs, readFileSync(ws.db).toString('latin1')].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(HOOK_SECRET);
    expect(everything).not.toContain(CLIENT_STATE);
  }, 240_000);
});

describe('touchpoint disconnect', () => {
  it("deletes the connection's stored credentials", async () => {
    const r = await cli(['disconnect', '--connection', connectionId], {});
    expect(r.code, r.stderr).toBe(0);
    const db = await openSqlite(ws.db);
    const row = await db
      .selectFrom('connections')
      .select(['secret_enc', 'status'])
      .where('id', '=', connectionId)
      .executeTakeFirstOrThrow();
    await db.destroy();
    expect(row).toEqual({ secret_enc: null, status: 'disconnected' });
    expect((await cli(['disconnect', '--connection', 'nosuch'], {})).stderr).toMatch(/^touchpoint: no connection "nosuch"/);
  });
});
