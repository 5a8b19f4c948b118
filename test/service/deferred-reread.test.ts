// The service's sync job re-reads the emails a directory change left waiting, with its kept
// directory index (store/directory-version.ts directoryCache) read inside the page's
// transaction. On SQLite the store has one connection: the cache once read the directory's
// version through the job's own handle, outside that transaction, and the job waited for ever.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordAudit } from '../../src/store/audit.js';
import { deferRedecisions } from '../../src/store/deferred-redecisions.js';
import { insertEndUser } from '../../src/store/directory.js';
import { workspaceFolder } from '../support/config.js';
import { DIALECTS } from '../support/databases.js';
import { writeMailbox } from '../support/mailbox.js';
import { seedOverApi } from '../support/seed.js';
import { makeTestApi, type TestApi } from '../support/service.js';

vi.setConfig({ testTimeout: 30_000 });

for (const dialect of DIALECTS) {
  describe(`the sync job re-reads waiting emails (${dialect})`, () => {
    let api: TestApi;
    let admin: string;
    let wsId: string;
    let connectionId: string;
    const outcome = async () =>
      (await api.db.selectFrom('emails').select('outcome').where('message_id', '=', 'wait-1@mail.example').executeTakeFirstOrThrow())
        .outcome;

    beforeAll(async () => {
      api = await makeTestApi(dialect);
      const w = await api.workspace('acme-wait');
      admin = w.admin;
      wsId = w.ws.id;
      const mail = workspaceFolder('acme-wait', 'tp-wait-');
      writeMailbox(mail, [{ id: 'wait-1@mail.example', from: 'zed@prospect.example', to: 'alice@ourco.com' }]);
      connectionId = await seedOverApi(api, admin, { mail });
      await api.queue.idle();
      // The sync job has now kept the directory index, with no end user.
      expect(await outcome()).toBe('not_linked');
    });
    afterAll(async () => api?.close());

    it('Sync now links an email that waited for a re-read, and the queue empties', async () => {
      // An end user added while the provider refused the change's re-read: the directory moved
      // (an audit entry, as every change writes), the email waits.
      const now = api.clock.now();
      await insertEndUser(api.db, wsId, { accountId: 'acme', email: 'zed@prospect.example', source: 'manual' }, now);
      await recordAudit(api.db, wsId, { at: now.toISOString(), actor: 'test', action: 'end_user.add', target: 'acme', details: {} });
      const { id } = await api.db
        .selectFrom('emails')
        .select('id')
        .where('message_id', '=', 'wait-1@mail.example')
        .executeTakeFirstOrThrow();
      await deferRedecisions(api.db, wsId, [{ emailId: id, code: 'THROTTLED', provider: 'folder' }], new Date(now.getTime() - 3_600_000));

      expect((await api.call(admin, 'POST', `/v1/connections/${connectionId}/sync`)).status).toBeLessThan(300);
      await api.queue.idle();
      expect(await outcome()).toBe('linked');
      expect(await api.db.selectFrom('deferred_redecisions').selectAll().where('workspace_id', '=', wsId).execute()).toEqual([]);
    });
  });
}
