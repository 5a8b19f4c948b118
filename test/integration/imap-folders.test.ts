// Every folder by default, on a real Dovecot through the CLI: mail a server rule filed into
// Customers/Acme is synced; Junk, Trash and Drafts are not; --exclude-folder and `folders set`
// change that; a message moved between folders, a new folder, a deleted folder never double
// or lose an activity; completeness counts show in status and a shortfall closes after the
// next sync's re-scan.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eml, messageIds, Workspace, type StatusJson } from '../support/cli.js';
import { connectImap, deliver, mailClient, startMailServer, TEST_SECRET_KEY, type Dovecot } from '../support/imap.js';

vi.setConfig({ testTimeout: 240_000 });

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:00:00Z';
const PASSWORD = 'Pw-Alice-folders-7c1d';

let d: Dovecot;
let conn: string;
const w = new Workspace(NOW, 'tp-imap-folders-');

const msg = (id: string, folder: string, at = '2026-03-03T10:00:00Z') => ({
  raw: eml({ from: 'john@acme.com', to: 'alice@ourco.com', date: at, messageId: id, subject: `Subject of ${id}`, body: `Body of ${id}` }),
  at,
  folder,
});

type Health = StatusJson['connections'][number] & {
  folders: { include: string[]; exclude: string[] } | null;
  folderCounts: { folder: string; atServer: number; seen: number; rescans: number; summary: string }[];
};
const health = async (): Promise<Health> => (await w.status()).connections.find((c) => c.id === conn) as Health;
const countOf = (h: Health, folder: string) => h.folderCounts.find((f) => f.folder === folder);

beforeAll(async () => {
  d = await startMailServer({ users: { alice: PASSWORD } });
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.ALICE_IMAP_PASSWORD = PASSWORD;
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  await w.account('acme', 'Acme');
  await w.users(['account_id,email,name,external_id', 'acme,john@acme.com,John,A1'].join('\n'));
  const c = await mailClient(d, 'alice', PASSWORD);
  for (const f of ['Customers', 'Customers/Acme', 'Customers/Ignored', 'Junk', 'Trash']) await c.mailboxCreate(f);
  await c.logout();
  await deliver(d, 'alice', PASSWORD, [
    msg('inbox-1@acme.com', 'INBOX'),
    msg('acme-1@acme.com', 'Customers/Acme'),
    msg('acme-2@acme.com', 'Customers/Acme', '2026-03-04T10:00:00Z'),
    msg('junk-1@acme.com', 'Junk'),
    msg('trash-1@acme.com', 'Trash'),
    msg('draft-1@acme.com', 'Drafts'),
    msg('ignored-1@acme.com', 'Customers/Ignored'),
    msg('moved-1@acme.com', 'INBOX', '2026-03-05T10:00:00Z'),
  ]);
  conn = await connectImap(w, d, { teammate: 'alice@ourco.com', user: 'alice', passwordEnv: 'ALICE_IMAP_PASSWORD', authorizedAt: AUTH });
  // The exclude setting through the use case the CLI and API share.
  await w.ok(['folders', 'set', conn, '--exclude', 'Customers/Ignored']);
  await w.sync();
}, 300_000);

afterAll(async () => {
  await d?.stop();
  w.cleanup();
});

describe('IMAP: every folder by default', () => {
  it('mail filed into Customers/Acme is synced and linked; explain names its folder', async () => {
    const acme = await w.timeline('acme');
    expect(messageIds(acme)).toEqual(['acme-1@acme.com', 'acme-2@acme.com', 'inbox-1@acme.com', 'moved-1@acme.com']);
    const e = await w.explainEmail('acme-1@acme.com');
    expect(e.outcome).toBe('linked');
    expect((e as { where?: { folder: string }[] }).where?.map((x) => x.folder)).toEqual(['Customers/Acme']);
  });

  it('Junk, Trash, Drafts and the excluded folder are not synced: none has seen their mail', async () => {
    for (const id of ['junk-1@acme.com', 'trash-1@acme.com', 'draft-1@acme.com', 'ignored-1@acme.com'])
      expect((await w.explainEmail(id)).outcome, id).toBe('unknown');
    const h = await health();
    expect(h.folders).toEqual({ include: [], exclude: ['Customers/Ignored'] });
    expect(h.folderCounts.map((f) => f.folder).sort()).toEqual(['Archive', 'Customers', 'Customers/Acme', 'INBOX', 'Sent']);
  });

  it('status shows, per folder, what the server holds since the window start against what was seen', async () => {
    const h = await health();
    expect(countOf(h, 'Customers/Acme')).toMatchObject({ atServer: 2, seen: 2, rescans: 0 });
    expect(countOf(h, 'INBOX')!.summary).toBe('INBOX: 2 at the server since 30 Jan, 2 seen');
    const text = await w.ok(['status']);
    expect(text).toContain('Customers/Acme: 2 at the server since 30 Jan, 2 seen');
    expect(text).toContain('folders: every folder but Junk, Trash and Drafts, except Customers/Ignored');
  });

  it('a message moved to another folder stays one activity and shows both folders; a new folder is picked up', async () => {
    const c = await mailClient(d, 'alice', PASSWORD);
    await c.mailboxOpen('INBOX');
    const found = await c.search({ header: { 'message-id': 'moved-1@acme.com' } }, { uid: true });
    const uid = found ? found[0] : undefined;
    expect(uid).toBeTruthy();
    await c.messageMove(String(uid), 'Customers/Acme', { uid: true });
    await c.mailboxCreate('Customers/Initech');
    await c.logout();
    await deliver(d, 'alice', PASSWORD, [msg('new-folder-1@acme.com', 'Customers/Initech', '2026-03-06T10:00:00Z')]);
    await w.sync();
    const acme = await w.timeline('acme');
    expect(messageIds(acme).filter((m) => m === 'moved-1@acme.com')).toHaveLength(1);
    expect(messageIds(acme)).toContain('new-folder-1@acme.com');
    const e = await w.explainEmail('moved-1@acme.com');
    expect((e as { where?: { folder: string }[] }).where?.map((x) => x.folder).sort()).toEqual(['Customers/Acme', 'INBOX']);
  });

  it('a folder renamed or deleted loses no activity and doubles none', async () => {
    const c = await mailClient(d, 'alice', PASSWORD);
    await c.mailboxRename('Customers/Initech', 'Customers/Initech Corp');
    await c.logout();
    await w.sync();
    const acme = await w.timeline('acme');
    expect(messageIds(acme).filter((m) => m === 'new-folder-1@acme.com')).toHaveLength(1);
    const c2 = await mailClient(d, 'alice', PASSWORD);
    await c2.mailboxDelete('Customers/Initech Corp');
    await c2.logout();
    const sync = await w.sync();
    expect(sync.connections[0]!.status).toBe('active');
    expect(messageIds(await w.timeline('acme'))).toContain('new-folder-1@acme.com');
    expect(countOf(await health(), 'Customers/Initech Corp')).toBeUndefined();
  });

  it('a shortfall is reported in plain words and closes after the next sync re-reads that folder', async () => {
    // Lose the store's sightings of one folder (as a failed write would): the server still has them.
    const db = new Database(w.db);
    db.prepare("DELETE FROM email_sightings WHERE folder = 'Customers/Acme'").run();
    db.close();
    await w.sync();
    const short = countOf(await health(), 'Customers/Acme')!;
    expect(short).toMatchObject({ atServer: 3, seen: 0 });
    expect(short.summary).toBe('Customers/Acme: 3 at the server since 30 Jan, 0 seen; 3 not seen yet: the next sync re-reads this folder');
    await w.sync();
    expect(countOf(await health(), 'Customers/Acme')).toMatchObject({ atServer: 3, seen: 3, rescans: 0 });
    expect(messageIds(await w.timeline('acme')).filter((m) => m === 'acme-1@acme.com')).toHaveLength(1);
  });

  it('folders set --include Junk brings Junk in at the next sync; bad input names the flag and changes nothing', async () => {
    const bad = await w.run(['folders', 'set', conn, '--include', ' ']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--include');
    expect((await health()).folders).toEqual({ include: [], exclude: ['Customers/Ignored'] });
    await w.ok(['folders', 'set', conn, '--include', 'Junk', '--exclude', 'Customers/Ignored']);
    await w.sync();
    expect((await w.explainEmail('junk-1@acme.com')).outcome).toBe('linked');
    expect((await w.explainEmail('ignored-1@acme.com')).outcome).toBe('unknown');
  });
});
