// Every remedy is an action, safe by design: remedies carry machine-readable actions, a
// preview says what a delete / blocklist / disconnect would change without writing anything,
// a customer's own domain cannot be blocklisted without typing it, every change can be undone
// from the audit log where the data allows, and accounts and end users are edited by use
// cases. On both databases, over a folder mailbox synced for real.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, editAccount, editEndUser } from '../../src/app/accounts.js';
import type { AppDeps } from '../../src/app/deps.js';
import { addEndUser, addToBlocklist, deleteEndUser } from '../../src/app/directory-changes.js';
import { explainEmail } from '../../src/app/explain.js';
import { previewChange } from '../../src/app/preview-change.js';
import { listAuditLog, undoChange } from '../../src/app/undo.js';
import type { Store } from '../../src/store/db.js';
import { findEndUser, getAccount, isSuppressed, listBlocklist } from '../../src/store/directory.js';
import { accountTimeline } from '../../src/store/timeline.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { DIALECTS, openTestStore } from '../support/databases.js';
import { appFailure } from '../support/app-errors.js';
import { seedWorkspace } from '../support/seed.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const AUTH = new Date('2026-03-01T00:00:00Z');

function eml(id: string, from: string): string {
  return [
    `From: ${from}`,
    'To: alice@ourco.com',
    'Date: Tue, 03 Mar 2026 09:15:00 +0000',
    `Message-ID: <${id}>`,
    `Subject: ${id}`,
    '',
    'body',
    '',
  ].join('\r\n');
}

describe.each(DIALECTS)('actions: remedies, preview, confirmation, undo (%s)', (dialect) => {
  let close: () => Promise<void>;
  let db: Store;
  let dir: string;
  let deps: AppDeps;
  let connectionId: string;
  const timeline = async () => (await accountTimeline(db, deps.ws.id, 'acme')).length;
  const auditCount = async () => (await listAuditLog(deps, 1000)).length;

  beforeAll(async () => {
    const store = await openTestStore(dialect, 'actions');
    close = store.close;
    db = store.db;
    dir = mkdtempSync(join(tmpdir(), 'tp-actions-'));
    mkdirSync(join(dir, 'INBOX'), { recursive: true });
    // 6 from bob@acme.com, 3 from carol@acme.com, 2 from a prospect nobody added yet.
    const from = [...Array(6).fill('bob@acme.com'), ...Array(3).fill('carol@acme.com'), 'zed@prospect.example', 'zed@prospect.example'];
    for (const [i, f] of from.entries()) writeFileSync(join(dir, 'INBOX', `${i}.eml`), eml(`m${i}@mail.example`, f));
    const seed = await seedWorkspace(db, {
      now: NOW,
      slug: 'actions',
      accounts: [{ id: 'acme', name: 'Acme Corp' }],
      endUsers: [],
      folders: [{ mail: dir, authorizedAt: AUTH }],
    });
    deps = { ...seed.ctx, caller: { role: 'admin', teammate: null } };
    connectionId = seed.conns[0]!.id;
    await addEndUser(deps, { accountId: 'acme', email: 'bob@acme.com', source: 'crm:hubspot', externalId: 'hs-7', name: 'Bob' });
    await addEndUser(deps, { accountId: 'acme', email: 'carol@acme.com', source: 'manual' });
    await syncAll(deps);
  });
  afterAll(async () => {
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each remedy its actions: delete, delete and suppress, blocklist the domain or the address; add the end user', async () => {
    expect(await timeline()).toBe(9);
    const linked = await explainEmail(deps, { messageId: 'm0@mail.example' });
    const actions = linked.remedyActions.flat();
    expect(linked.remedyActions).toHaveLength(linked.remedies.length);
    expect(actions).toEqual(
      expect.arrayContaining([
        { kind: 'delete_end_user', accountId: 'acme', email: 'bob@acme.com', suppress: false },
        { kind: 'delete_end_user', accountId: 'acme', email: 'bob@acme.com', suppress: true },
        { kind: 'blocklist', entry: 'acme.com' },
        { kind: 'blocklist', entry: 'bob@acme.com' },
      ]),
    );
    const notLinked = await explainEmail(deps, { messageId: 'm9@mail.example' });
    const add = notLinked.remedyCodes.indexOf('ADD_END_USER');
    expect(notLinked.remedyActions[add]).toEqual([{ kind: 'add_end_user', email: 'zed@prospect.example' }]);
  });

  it("previews blocklisting the customer's domain without writing: links removed per account, and the domain to type", async () => {
    const before = await auditCount();
    const p = await previewChange(deps, { kind: 'blocklist', entry: 'ACME.com' });
    expect(p).toMatchObject({ kind: 'blocklist', confirm: 'acme.com', adds: [] });
    expect(p.removes).toEqual([{ accountId: 'acme', name: 'Acme Corp', emails: 9, meetings: 0 }]);
    expect(p.summary).toBe(
      'Stops logging mail and meetings with acme.com on Acme Corp (2 end users) from now and removes 9 past links (9 emails on Acme Corp).',
    );
    expect(await timeline()).toBe(9);
    expect(await listBlocklist(db, deps.ws.id)).toEqual([]);
    expect(await auditCount()).toBe(before);

    const partner = await previewChange(deps, { kind: 'blocklist', entry: 'partner.example' });
    expect(partner.confirm).toBeUndefined();
    expect(partner.removes).toEqual([]);
  });

  it('previews deleting an end user and a disconnect, writing nothing', async () => {
    const p = await previewChange(deps, { kind: 'delete_end_user', accountId: 'acme', email: 'bob@acme.com', suppress: false });
    expect(p.removes).toEqual([{ accountId: 'acme', name: 'Acme Corp', emails: 6, meetings: 0 }]);
    expect(p.summary).toMatch(/^Stops logging mail and meetings with bob@acme.com on Acme Corp from now and removes 6 past links/);
    expect(await findEndUser(db, deps.ws.id, 'acme', 'bob@acme.com')).toBeDefined();
    const d = await previewChange(deps, { kind: 'disconnect', connectionId });
    expect(d.summary).toMatch(/alice@ourco.com's folder connection .* the 11 emails and 0 meetings it has seen stay on the timelines/);
    expect((await appFailure(previewChange(deps, { kind: 'disconnect', connectionId: 'nope' }))).code).toBe('not_found');
  });

  it("refuses to blocklist a customer's domain unless it is typed to confirm; a partner's domain needs no typing", async () => {
    const oneClick = await appFailure(addToBlocklist(deps, 'acme.com'));
    expect(oneClick.code).toBe('invalid');
    expect(oneClick.fields).toEqual([{ field: 'confirm', message: 'type "acme.com" to confirm' }]);
    expect((await appFailure(addToBlocklist(deps, 'acme.com', { confirm: 'acme.co' }))).code).toBe('invalid');
    expect(await timeline()).toBe(9);

    const partner = await addToBlocklist(deps, 'partner.example');
    expect(partner.unlinked).toEqual([]);
    await undoChange(deps, partner.auditId);

    const typed = await addToBlocklist(deps, 'acme.com', { confirm: ' ACME.com ' });
    expect(typed.unlinked).toHaveLength(9);
    expect(await timeline()).toBe(0);
    // Undo: the entry goes, the 9 links come back, and the entry cannot be undone twice.
    const undone = await undoChange(deps, typed.auditId);
    expect(undone.linked).toHaveLength(9);
    expect(undone.undid).toMatchObject({ id: typed.auditId, action: 'blocklist.add', target: 'acme.com' });
    expect(await listBlocklist(db, deps.ws.id)).toEqual([]);
    expect(await timeline()).toBe(9);
    expect((await listAuditLog(deps)).find((e) => e.id === typed.auditId)?.undoable).toBe(false);
    expect((await appFailure(undoChange(deps, typed.auditId))).code).toBe('conflict');
  });

  it('undoes a delete and suppress: the same end user again (source, external id, name), its suppression lifted', async () => {
    const del = await deleteEndUser(deps, 'acme', 'bob@acme.com', true);
    expect(del.unlinked).toHaveLength(6);
    expect(await isSuppressed(db, deps.ws.id, 'crm:hubspot', 'acme', 'bob@acme.com')).toBe(true);
    expect((await listAuditLog(deps)).find((e) => e.id === del.auditId)).toMatchObject({
      action: 'end_user.delete_and_suppress',
      undoable: true,
    });

    const back = await undoChange(deps, del.auditId);
    expect(back.linked).toHaveLength(6);
    expect(await findEndUser(db, deps.ws.id, 'acme', 'bob@acme.com')).toMatchObject({
      source: 'crm:hubspot',
      externalId: 'hs-7',
      name: 'Bob',
    });
    expect(await isSuppressed(db, deps.ws.id, 'crm:hubspot', 'acme', 'bob@acme.com')).toBe(false);
    const [newest] = await listAuditLog(deps, 1);
    expect(newest).toMatchObject({
      action: 'end_user.add',
      details: expect.objectContaining({ undoOf: del.auditId, liftedSuppression: true }),
    });
  });

  it('undoes an end user added: it is deleted and its links go; only an admin may undo; other entries are not undoable', async () => {
    const add = await addEndUser(deps, { accountId: 'acme', email: 'zed@prospect.example', source: 'manual' });
    expect(add.linked).toHaveLength(2);
    const csm = { ...deps, caller: { role: 'csm' as const, teammate: null } };
    expect((await appFailure(undoChange(csm, add.auditId))).code).toBe('forbidden');
    const undone = await undoChange(deps, add.auditId);
    expect(undone.unlinked).toHaveLength(2);
    expect(await findEndUser(db, deps.ws.id, 'acme', 'zed@prospect.example')).toBeUndefined();
    expect((await appFailure(undoChange(deps, 999_999))).code).toBe('not_found');

    await addAccount(deps, { id: 'initech', name: 'Initech' });
    const [acct] = await listAuditLog(deps, 1);
    expect(acct).toMatchObject({ action: 'account.add', undoable: false });
    expect((await appFailure(undoChange(deps, acct!.id))).code).toBe('conflict');
  });

  it('adds and renames accounts and edits an end user: a new email field moves the links', async () => {
    expect((await appFailure(addAccount(deps, { id: 'initech', name: 'Again' }))).code).toBe('conflict');
    await editAccount(deps, 'initech', { name: 'Initech Ltd' });
    expect(await getAccount(db, deps.ws.id, 'initech')).toEqual({ id: 'initech', name: 'Initech Ltd' });
    expect((await appFailure(editAccount(deps, 'nope', { name: 'X' }))).code).toBe('not_found');
    expect((await appFailure(editAccount({ ...deps, caller: { role: 'csm', teammate: null } }, 'initech', { name: 'Y' }))).code).toBe(
      'forbidden',
    );

    // carol's email field becomes the prospect's address: her 3 emails go, zed's 2 come.
    const moved = await editEndUser(deps, 'acme', 'carol@acme.com', { email: 'zed@prospect.example', name: 'Zed' });
    expect(moved.unlinked).toHaveLength(3);
    expect(moved.linked).toHaveLength(2);
    expect(await findEndUser(db, deps.ws.id, 'acme', 'zed@prospect.example')).toMatchObject({ name: 'Zed', source: 'manual' });
    const renamed = await editEndUser(deps, 'acme', 'zed@prospect.example', { name: 'Zed Z.' });
    expect(renamed.linked).toEqual([]);
    expect((await appFailure(editEndUser(deps, 'acme', 'zed@prospect.example', { email: 'bob@acme.com' }))).code).toBe('conflict');
    expect((await appFailure(editEndUser(deps, 'acme', 'zed@prospect.example', { email: 'not-an-address' }))).fields?.[0]?.field).toBe(
      'email',
    );
  });
});
