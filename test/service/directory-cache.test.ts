// The sync job keeps a workspace's directory index between jobs, and must never decide new
// mail with a directory that changed since: every kind of directory change is seen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOverApi } from '../support/seed.js';
import { makeTestApi, type TestApi } from '../support/service.js';
import { writeMailbox } from '../support/mailbox.js';
import { workspaceFolder } from '../support/config.js';

describe('the directory index kept between sync jobs', () => {
  let api: TestApi;
  let admin: string;
  let mail: string;
  let connectionId: string;
  let n = 0;

  /** A new message from `from`, then Sync now; the outcome the sync stored (explain would re-decide). */
  async function arrive(from: string, to = 'alice@ourco.com'): Promise<string> {
    const id = `new-${++n}@mail.example`;
    writeMailbox(mail, [{ id, from, to }]);
    await api.call(admin, 'POST', `/v1/connections/${connectionId}/sync`);
    await api.queue.idle();
    return (await api.db.selectFrom('emails').select('outcome').where('message_id', '=', id).executeTakeFirstOrThrow()).outcome;
  }

  beforeAll(async () => {
    api = await makeTestApi('sqlite');
    ({ admin } = await api.workspace('acme-cs'));
    mail = workspaceFolder('acme-cs', 'tp-dircache-');
    connectionId = await seedOverApi(api, admin, { mail });
    await api.queue.idle();
  });
  afterAll(async () => api.close());

  it('sees end users added, deleted and imported, blocklist changes and new teammates', async () => {
    expect(await arrive('bob@acme.com')).toBe('not_linked'); // the index is now cached
    await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'bob@acme.com' });
    expect(await arrive('bob@acme.com')).toBe('linked');
    await api.call(admin, 'POST', '/v1/blocklist', { entry: 'acme.com', confirm: 'acme.com' }); // the domain of its end users: typed to confirm
    expect(await arrive('bob@acme.com')).toBe('not_linked');
    await api.call(admin, 'DELETE', '/v1/blocklist/acme.com');
    expect(await arrive('bob@acme.com')).toBe('linked');
    await api.call(admin, 'DELETE', '/v1/accounts/acme/end-users/bob@acme.com');
    expect(await arrive('bob@acme.com')).toBe('not_linked');
    await api.call(admin, 'POST', '/v1/end-users/import', { csv: 'account_id,email\nacme,carol@acme.com\n' });
    expect(await arrive('carol@acme.com')).toBe('linked');
    // A new teammate makes mail between them internal-only (E6).
    expect(await arrive('carol@acme.com', 'dan@partner-team.example')).toBe('linked');
    await api.call(admin, 'POST', '/v1/accounts/acme/end-users', { email: 'erin@acme.com' });
    await api.call(admin, 'POST', '/v1/teammates', { email: 'erin@acme.com' });
    expect(await arrive('erin@acme.com', 'alice@ourco.com')).toBe('not_linked');
  });
});
