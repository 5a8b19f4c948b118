// Folder settings through the API (PATCH /v1/connections/{id}/folders, setConnectionFolders)
// and the completeness counts the connection view shows, on SQLite and PostgreSQL: settings
// are saved and audited, bad input names its field and changes nothing, another workspace's
// connection is not found, and folder counts are scoped to their workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/store/audit.js';
import { createConnection } from '../../src/store/connections.js';
import { teammateByAddress } from '../../src/store/directory.js';
import { foldersToRescan, listFolderCounts, markRescanned, saveFolderCounts } from '../../src/store/folder-counts.js';
import { DIALECTS } from '../support/databases.js';
import { makeTestApi, type TestApi } from '../support/service.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const SINCE = new Date('2026-01-30T00:00:00Z');

for (const dialect of DIALECTS) {
  describe(`connection folders on ${dialect}`, () => {
    let api: TestApi;
    const A = { admin: '', csm: '', id: '', conn: '', folderConn: '' };
    const B = { admin: '', id: '', conn: '' };

    const imapConnection = async (ws: string, admin: string) => {
      await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
      const t = await teammateByAddress(api.db, ws, 'alice@ourco.com');
      // Stored as a row written before this change would be: the old default folder list.
      return createConnection(
        api.db,
        ws,
        {
          teammateId: t!.id,
          provider: 'imap',
          config: { host: '127.0.0.1', port: 143, security: 'plain', user: 'alice', auth: 'password', folders: ['INBOX', '\\Sent'] },
          hasMail: true,
          hasCalendar: false,
          authorizedAt: new Date('2026-03-01T00:00:00Z'),
        },
        NOW,
      );
    };

    beforeAll(async () => {
      api = await makeTestApi(dialect, { now: NOW });
      const a = await api.workspace('folders-a');
      const b = await api.workspace('folders-b');
      Object.assign(A, { admin: a.admin, csm: a.csm, id: a.ws.id });
      Object.assign(B, { admin: b.admin, id: b.ws.id });
      A.conn = await imapConnection(A.id, A.admin);
      B.conn = await imapConnection(B.id, B.admin);
      const t = await teammateByAddress(api.db, A.id, 'alice@ourco.com');
      A.folderConn = await createConnection(
        api.db,
        A.id,
        { teammateId: t!.id, provider: 'folder', config: { mail: '/tmp' }, hasMail: true, hasCalendar: false, authorizedAt: NOW },
        NOW,
      );
    });
    afterAll(async () => api?.close());

    it('an old row reads as every folder; PATCH saves include/exclude, answers the view, and is audited', async () => {
      const before = await api.call(A.admin, 'GET', `/v1/connections/${A.conn}`);
      expect(before.body.folders).toEqual({ include: [], exclude: [] });
      const r = await api.call(A.admin, 'PATCH', `/v1/connections/${A.conn}/folders`, {
        include: ['Junk'],
        exclude: ['Customers/Private'],
      });
      expect(r.status).toBe(200);
      expect(r.body.folders).toEqual({ include: ['Junk'], exclude: ['Customers/Private'] });
      const audit = await listAudit(api.db, A.id);
      expect(audit[0]).toMatchObject({ action: 'set_connection_folders', target: A.conn });
      expect(audit[0]!.details).toEqual({
        before: { include: [], exclude: [] },
        after: { include: ['Junk'], exclude: ['Customers/Private'] },
      });
    });

    it('bad input names the field and changes nothing; a CSM may not; other connections are refused', async () => {
      const bad = await api.call(A.admin, 'PATCH', `/v1/connections/${A.conn}/folders`, { include: ['ok', ''], exclude: [] });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('include');
      expect((await api.call(A.admin, 'GET', `/v1/connections/${A.conn}`)).body.folders.include).toEqual(['Junk']);
      expect((await api.call(A.csm, 'PATCH', `/v1/connections/${A.conn}/folders`, { include: [], exclude: [] })).status).toBe(403);
      const other = await api.call(A.admin, 'PATCH', `/v1/connections/${B.conn}/folders`, { include: [], exclude: ['Junk'] });
      expect(other.status).toBe(404);
      const local = await api.call(A.admin, 'PATCH', `/v1/connections/${A.folderConn}/folders`, { include: [], exclude: ['x'] });
      expect(local.status).toBe(409);
      expect(local.body.message).toContain('only IMAP and Microsoft 365 mail');
    });

    it('folder counts are kept per workspace, shown in plain words, and a shortfall is re-scanned at most twice', async () => {
      await saveFolderCounts(api.db, A.id, A.conn, [{ folder: 'INBOX', since: SINCE, atServer: 3 }], NOW);
      await saveFolderCounts(api.db, B.id, B.conn, [{ folder: 'INBOX', since: SINCE, atServer: 7 }], NOW);
      expect(await listFolderCounts(api.db, A.id, B.conn)).toEqual([]);
      expect(await foldersToRescan(api.db, A.id, A.conn)).toEqual(['INBOX']);
      await markRescanned(api.db, A.id, A.conn, ['INBOX']);
      await markRescanned(api.db, A.id, A.conn, ['INBOX']);
      expect(await foldersToRescan(api.db, A.id, A.conn)).toEqual([]);
      expect((await listFolderCounts(api.db, B.id, B.conn))[0]).toMatchObject({ atServer: 7, seen: 0, rescans: 0 });
      const view = await api.call(A.admin, 'GET', `/v1/connections/${A.conn}`);
      expect(view.body.folderCounts[0].summary).toBe(
        'INBOX: 3 at the server since 30 Jan, 0 seen; 3 still not seen after 2 re-scans: see the errors below, or the server may list messages it cannot give',
      );
    });
  });
}
