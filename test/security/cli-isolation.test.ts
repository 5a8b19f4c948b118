// The CLI with two workspaces in one database: every command aimed (with --workspace) at
// one workspace refuses the other's ids and shows none of its data; SQL injection strings
// in every string option are stored verbatim or refused, and the schema is intact after.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import { writeMailbox } from '../support/mailbox.js';
import { Workspace } from '../support/cli.js';

const ws = new Workspace('2026-03-20T12:00:00Z', 'tp-cli-iso-');
afterAll(() => ws.cleanup());
const A = ['--workspace', 'a-cs'];
const INJ = "x'); DROP TABLE accounts;--";
let bConnection = '';
let bToken = '';

async function tables(): Promise<string[]> {
  const db = await openSqlite(ws.db);
  try {
    return (await db.introspection.getTables()).map((t) => t.name).sort();
  } finally {
    await db.destroy();
  }
}

beforeAll(async () => {
  await ws.ok(['init', '--workspace', 'a-cs', '--internal-domain', 'ourco.com']);
  await ws.ok(['init', '--workspace', 'b-cs', '--internal-domain', 'bco.example']);
  const B = ['--workspace', 'b-cs'];
  await ws.ok([...B, 'teammate', 'add', '--email', 'bob@bco.example']);
  await ws.ok([...B, 'account', 'add', '--id', 'bsecret', '--name', 'B Secret Corp']);
  await ws.ok([...B, 'user', 'add', '--account', 'bsecret', '--email', 'b-user@bcustomer.example']);
  writeMailbox(ws.path('b-mail'), [
    { id: 'b-msg@bcustomer.example', from: 'b-user@bcustomer.example', to: 'bob@bco.example', subject: 'B secret subject' },
  ]);
  bConnection = /connection (\S+)/.exec(
    await ws.ok([
      ...B,
      'connect',
      'folder',
      '--teammate',
      'bob@bco.example',
      '--mail',
      ws.path('b-mail'),
      '--authorized-at',
      '2026-03-01T00:00:00Z',
    ]),
  )![1]!;
  await ws.ok([...B, 'sync']);
  bToken = (await ws.json([...B, 'token', 'create', '--role', 'admin', '--name', 'b-ops'])).id;
});

describe('the CLI keeps workspaces apart', () => {
  it("refuses the other workspace's ids and shows none of its data", async () => {
    const refused: [string[], RegExp][] = [
      [['timeline', 'bsecret'], /no account "bsecret"|unknown account/],
      [['sync', '--connection', bConnection], /no connection/],
      [['sync-now', '--connection', bConnection], /no connection/],
      [['disconnect', '--connection', bConnection], /no connection/],
      [['token', 'revoke', bToken], /no live token/],
      [['user', 'delete', '--account', 'bsecret', '--email', 'b-user@bcustomer.example'], /bsecret/],
    ];
    for (const [args, message] of refused) {
      const r = await ws.run([...A, ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
    const reads = [
      ['explain', 'email', 'b-msg@bcustomer.example'],
      ['search', 'b-user'],
      ['status'],
      ['token', 'list'],
      ['workspace', 'export'],
    ];
    for (const args of reads) {
      const r = await ws.run([...A, ...args, ...(args[0] === 'workspace' ? [] : ['--json'])]);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      for (const marker of ['bsecret', 'B Secret', 'b-user@', 'bob@bco', bConnection, bToken])
        expect({ args, leaked: r.stdout.includes(marker) ? marker : null }).toEqual({ args, leaked: null });
    }
    // B is as it was.
    expect((await ws.json(['--workspace', 'b-cs', 'timeline', 'bsecret'])).items).toHaveLength(1);
    expect((await ws.json(['--workspace', 'b-cs', 'token', 'list']))[0].revokedAt).toBeNull();
  });

  it('stores SQL injection strings from every string option verbatim, or refuses them', async () => {
    const before = await tables();
    await ws.ok([...A, 'account', 'add', '--id', INJ, '--name', INJ]);
    await ws.ok([...A, 'teammate', 'add', '--email', 'alice@ourco.com', '--name', INJ]);
    await ws.ok([...A, 'user', 'add', '--account', INJ, '--email', 'carol@acme.com', '--name', INJ, '--external-id', INJ]);
    for (const args of [
      ['blocklist', 'add', INJ],
      ['user', 'add', '--account', 'acme', '--email', INJ],
      ['init', '--workspace', INJ],
    ]) {
      const r = await ws.run([...A, ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
    }
    for (const args of [
      ['search', INJ.slice(0, 20)],
      ['explain', 'email', INJ],
      ['explain', 'meeting', INJ],
    ]) {
      expect((await ws.run([...A, ...args, '--json'])).code).toBe(0);
    }
    expect((await ws.run(['--workspace', INJ, 'status'])).stderr).toMatch(/^touchpoint: no workspace/);
    const timeline = await ws.json([...A, 'timeline', INJ]);
    expect(timeline.account).toEqual({ id: INJ, name: INJ });
    expect(await tables()).toEqual(before);
    const db = await openSqlite(ws.db);
    try {
      const users = await db.selectFrom('end_users').select(['name', 'external_id']).where('email', '=', 'carol@acme.com').execute();
      expect(users).toEqual([{ name: INJ, external_id: INJ }]);
      expect(Number((await sql<{ n: number }>`select count(*) as n from accounts`.execute(db)).rows[0]!.n)).toBe(2);
    } finally {
      await db.destroy();
    }
  });
});
