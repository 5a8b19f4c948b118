// Issue 18, finding 1: a folder connection made through the API reads only inside its own
// workspace's folder, <TOUCHPOINT_FOLDER_ROOT>/<workspace-slug>/ — never another workspace's
// mail, /etc or /proc — whatever path, `..` or symlink is given, at connect and at every scan;
// every refusal reads the same (no existence oracle); a deep or huge tree is read up to the
// limits, with an error, and what was read stays.
import { mkdirSync, mkdtempSync, renameSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConnections } from '../../src/store/connections.js';
import { testConfig } from '../support/config.js';
import { writeMailbox } from '../support/mailbox.js';
import { makeTestApi, type TestApi } from '../support/service.js';

const AUTHORIZED_AT = '2026-03-01T00:00:00Z';
const ROOT = mkdtempSync(join(tmpdir(), 'tp-sec-folders-'));
const A_DIR = join(ROOT, 'acorp');
const B_MAIL = join(ROOT, 'bcorp', 'mail');

let api: TestApi;
const A = { admin: '', id: '' };
const B = { admin: '' };

const mail = (id: string, subject: string, folder?: string) => ({
  id,
  from: 'bob@acme.com',
  to: 'alice@ourco.com',
  subject,
  ...(folder ? { folder } : {}),
});

beforeAll(async () => {
  mkdirSync(A_DIR, { recursive: true });
  writeMailbox(B_MAIL, [mail('b-secret@acme.com', 'B-only secret subject')]);
  api = await makeTestApi('sqlite', { config: testConfig({ folderRoot: ROOT, folderMaxDepth: 3, folderMaxFiles: 4 }) });
  const a = await api.workspace('acorp');
  Object.assign(A, { admin: a.admin, id: a.ws.id });
  B.admin = (await api.workspace('bcorp')).admin;
  for (const t of [A.admin, B.admin]) {
    await api.call(t, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
    await api.call(t, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' });
    await api.call(t, 'POST', '/v1/accounts/acme/end-users', { email: 'bob@acme.com' });
  }
});
afterAll(async () => {
  await api?.close();
});

const connect = (token: string, body: Record<string, unknown>) =>
  api.call(token, 'POST', '/v1/connections/folder', { teammate: 'alice@ourco.com', authorizedAt: AUTHORIZED_AT, ...body });

const health = async (id: string) => (await api.call(A.admin, 'GET', `/v1/connections/${id}`)).body;

describe('connecting a folder through the API', () => {
  it("refuses workspace B's directory, /etc, /proc/self/cwd, a missing path, `..` and an escaping symlink, all in the same words", async () => {
    symlinkSync(B_MAIL, join(A_DIR, 'link-to-b'));
    symlinkSync('/etc', join(A_DIR, 'link-to-etc'));
    const attempts = [
      { mail: B_MAIL },
      { mail: '../bcorp/mail' },
      { mail: `${A_DIR}/../bcorp/mail` },
      { mail: '..' },
      { mail: 'link-to-b' },
      { mail: 'link-to-etc' },
      { mail: '/etc' },
      { mail: '/proc/self/cwd' },
      { mail: '/root/.ssh' },
      { mail: 'no-such-folder' },
      { mail: '/no/such/folder' },
      { calendar: '/etc' },
    ];
    const answers = [];
    for (const body of attempts) answers.push(await connect(A.admin, body));
    for (const res of answers) expect([res.status, res.body.error]).toEqual([422, 'refused_by_policy']);
    const words = new Set(answers.map((r) => r.body.message.replace(/^body\.(mail|calendar)/, 'body.x')));
    expect([...words]).toEqual([
      expect.stringMatching(/^body\.x: refused by policy: give an existing folder inside this workspace's folder/),
    ]);
    for (const res of answers) expect(res.body.message).not.toMatch(/does not exist|not a folder|ENOENT|EACCES/);
    expect(await listConnections(api.db, A.id)).toEqual([]);
  });

  it('refuses every folder connection while the operator has set no TOUCHPOINT_FOLDER_ROOT', async () => {
    const off = await makeTestApi('sqlite', { config: testConfig({ folderRoot: undefined }) });
    try {
      const { admin } = await off.workspace('acorp');
      await off.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
      const res = await off.call(admin, 'POST', '/v1/connections/folder', {
        teammate: 'alice@ourco.com',
        mail: A_DIR,
        authorizedAt: AUTHORIZED_AT,
      });
      expect([res.status, res.body.error]).toEqual([422, 'refused_by_policy']);
      expect(res.body.message).toMatch(/an operator must set TOUCHPOINT_FOLDER_ROOT/);
    } finally {
      await off.close();
    }
  });
});

describe('scanning a folder connected through the API', () => {
  it('stops at the next sync when the folder is swapped for a symlink out of the workspace, listing none of its files', async () => {
    writeMailbox(join(A_DIR, 'inbox'), [mail('a-own@acme.com', 'A own mail')]);
    const created = await connect(A.admin, { mail: 'inbox' });
    expect(created.status).toBe(201);
    await api.queue.idle();
    expect((await health(created.body.id)).counts.email.seen).toBe(1);

    renameSync(join(A_DIR, 'inbox'), join(A_DIR, 'inbox-old'));
    symlinkSync(B_MAIL, join(A_DIR, 'inbox')); // planted after the connection was checked
    expect((await api.call(A.admin, 'POST', `/v1/connections/${created.body.id}/sync`)).status).toBe(202);
    await api.queue.idle();
    const after = await health(created.body.id);
    expect(after.lastError).toMatch(/refused by policy/);
    expect(after.counts.email.seen).toBe(1);
    const everything = JSON.stringify([after, (await api.call(A.admin, 'GET', '/v1/accounts/acme/timeline')).body]);
    expect(everything).not.toContain('B-only secret subject');
    expect(everything).not.toContain('b-secret');
    expect(everything).not.toContain(ROOT);
  });

  it('reads a deep and huge tree up to the limits, says what it left out, and keeps what it read', async () => {
    const tree = join(A_DIR, 'big');
    writeMailbox(tree, [
      mail('m1@acme.com', 'one', 'a'),
      mail('m2@acme.com', 'two', 'b'),
      mail('m3@acme.com', 'three', 'c'),
      mail('m4@acme.com', 'four', 'd'),
      mail('m5@acme.com', 'five', 'e'),
      mail('m6@acme.com', 'six', 'f'),
      mail('deep@acme.com', 'deep', 'a/b/c/d/e'),
    ]);
    const created = await connect(A.admin, { mail: 'big' });
    expect(created.status).toBe(201);
    await api.queue.idle();
    const first = await health(created.body.id);
    expect(first.counts.email.seen).toBe(4); // TOUCHPOINT_FOLDER_MAX_FILES=4
    const reasons = first.errors.map((e: { where: string; reason: string }) => `${e.where}: ${e.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^a\/b\/c\/d: .*nested more than 3 levels deep.*TOUCHPOINT_FOLDER_MAX_DEPTH/),
        expect.stringMatching(/more than 4 files \(or 40 folders\): only the first were read.*TOUCHPOINT_FOLDER_MAX_FILES/),
      ]),
    );
    expect((await api.call(A.admin, 'POST', `/v1/connections/${created.body.id}/sync`)).status).toBe(202);
    await api.queue.idle();
    const again = await health(created.body.id);
    expect([again.status, again.counts.email.seen]).toEqual(['active', 4]);
  });
});
