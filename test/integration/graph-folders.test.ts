// Every Microsoft 365 mail folder through the real Graph client against the emulator, driven
// by the CLI: a child folder (Inbox/Customers/Acme) is synced by default; Junk Email, Deleted
// Items and Drafts are not; a message moved between folders stays one activity (the source
// folder's delta says @removed, the destination's lists it); a new folder is picked up; a
// folder deleted between syncs ends nothing; completeness counts show in status; an exclude
// set with `folders set` applies from the next sync.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MicrosoftEmulator, type MsMessage } from '../emulators/microsoft.js';
import { messageIds, Workspace, type StatusJson } from '../support/cli.js';
import { TEST_SECRET_KEY } from '../support/imap.js';

// Each step spawns the CLI; on a loaded 2-core machine a test can take minutes.
vi.setConfig({ testTimeout: 240_000 });

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:00:00Z';

const ms = new MicrosoftEmulator();
const w = new Workspace(NOW, 'tp-graph-folders-');
let connId = '';
let customers = '';
let acmeFolder = '';

const add = (id: string, folder: string, over: Partial<MsMessage> = {}) =>
  ms.addMessage({
    id: `AAMk-${id}`,
    folder,
    internetMessageId: id,
    subject: `Subject of ${id}`,
    from: 'john@acme.com',
    to: ['alice@ourco.com'],
    receivedDateTime: '2026-03-03T10:00:00Z',
    ...over,
  });

type Health = StatusJson['connections'][number] & {
  folderCounts: { folder: string; atServer: number; seen: number; summary: string }[];
};
const health = async () => (await w.status()).connections.find((c) => c.id === connId) as Health;
const where = async (id: string) => ((await w.explainEmail(id)) as { where?: { folder: string }[] }).where?.map((x) => x.folder).sort();

beforeAll(async () => {
  customers = ms.createFolder('Customers', 'inbox');
  acmeFolder = ms.createFolder('Acme', customers);
  await ms.start();
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env.TOUCHPOINT_MICROSOFT_CLIENT_ID = '00000000-0000-0000-0000-00000000c11e';
  w.env.TOUCHPOINT_MICROSOFT_CLIENT_SECRET = 'test-client-secret';
  w.env.TOUCHPOINT_MICROSOFT_AUTHORITY = ms.authority;
  w.env.TOUCHPOINT_GRAPH_BASE_URL = ms.graphBaseUrl;
  w.env.TOUCHPOINT_PUBLIC_URL = undefined;
  w.env.ALICE_MS_TOKEN = ms.issueRefreshToken();
  await w.init('cs-team', ['ourco.com']);
  await w.teammate('alice@ourco.com');
  await w.account('acme', 'Acme');
  await w.users(['account_id,email,name,external_id', 'acme,john@acme.com,John,A1'].join('\n'));
  add('inbox-1@acme.com', 'inbox');
  add('acme-1@acme.com', acmeFolder);
  add('junk-1@acme.com', 'junkemail');
  add('deleted-1@acme.com', 'deleteditems');
  add('draft-1@acme.com', 'drafts', { isDraft: true });
  add('moved-1@acme.com', 'inbox', { receivedDateTime: '2026-03-04T10:00:00Z' });
  const out = await w.ok([
    'connect',
    'microsoft',
    '--teammate',
    'alice@ourco.com',
    '--token-env',
    'ALICE_MS_TOKEN',
    '--authorized-at',
    AUTH,
  ]);
  connId = /connection (\S+)/.exec(out)![1]!;
  await w.sync();
}, 300_000);

afterAll(async () => {
  await ms.stop();
  w.cleanup();
});

describe('Microsoft 365: every mail folder', () => {
  it('lists folders and child folders, runs delta on the synced ones only, by folder', async () => {
    expect(messageIds(await w.timeline('acme'))).toEqual(['acme-1@acme.com', 'inbox-1@acme.com', 'moved-1@acme.com']);
    expect(await where('acme-1@acme.com')).toEqual(['Inbox/Customers/Acme']);
    for (const id of ['junk-1@acme.com', 'deleted-1@acme.com', 'draft-1@acme.com'])
      expect((await w.explainEmail(id)).outcome, id).toBe('unknown');
    const paths = ms.log.map((l) => l.path);
    expect(paths.some((p) => p.startsWith(`/v1.0/me/mailFolders/${customers}/childFolders`))).toBe(true);
    expect(paths.some((p) => p.startsWith(`/v1.0/me/mailFolders/${acmeFolder}/messages/delta`))).toBe(true);
    expect(paths.some((p) => p.startsWith('/v1.0/me/mailFolders/junkemail/messages/delta'))).toBe(false);
    const h = await health();
    expect(h.folderCounts.find((f) => f.folder === 'Inbox/Customers/Acme')).toMatchObject({ atServer: 1, seen: 1 });
    expect(h.folderCounts.find((f) => f.folder === 'Inbox')!.summary).toBe('Inbox: 2 at the server since 30 Jan, 2 seen');
  });

  it('a moved message stays one activity; a new folder is picked up; a deleted folder ends nothing', async () => {
    ms.moveMessage('AAMk-moved-1@acme.com', acmeFolder);
    const later = ms.createFolder('Later');
    add('later-1@acme.com', later, { receivedDateTime: '2026-03-05T10:00:00Z' });
    const sync = await w.sync();
    expect(sync.connections[0]!.status).toBe('active');
    const ids = messageIds(await w.timeline('acme'));
    expect(ids.filter((m) => m === 'moved-1@acme.com')).toHaveLength(1);
    expect(ids).toContain('later-1@acme.com');
    // One immutable id, one sighting: it now says where the message is.
    expect(await where('moved-1@acme.com')).toEqual(['Inbox/Customers/Acme']);
    ms.deleteFolder(later);
    const after = await w.sync();
    expect(after.connections[0]!.status).toBe('active');
    expect(messageIds(await w.timeline('acme'))).toContain('later-1@acme.com');
    expect((await health()).folderCounts.map((f) => f.folder)).not.toContain('Later');
  });

  it('folders set --exclude leaves a folder out from the next sync; --include brings Junk Email in', async () => {
    await w.ok(['folders', 'set', connId, '--exclude', 'Inbox/Customers', '--include', 'junkemail']);
    add('acme-2@acme.com', acmeFolder, { receivedDateTime: '2026-03-06T10:00:00Z' });
    await w.sync();
    expect((await w.explainEmail('acme-2@acme.com')).outcome).toBe('unknown');
    expect((await w.explainEmail('junk-1@acme.com')).outcome).toBe('linked');
  });
});
