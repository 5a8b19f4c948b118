// `touchpoint source …` end to end, the real CLI against the HubSpot emulator: connect with the
// token's variable NAME, sync, list (health and counts), explain shows the end user's source
// record, the token's value never on the command line, disconnect removing the end users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../emulators/hubspot.js';
import { SalesforceEmulator } from '../emulators/salesforce.js';
import { ZendeskEmulator } from '../emulators/zendesk.js';
import { TEST_PASSPHRASE } from '../support/config.js';
import { expectUserError, Workspace } from '../support/cli.js';

describe('touchpoint source', () => {
  let hs: HubSpotEmulator;
  const w = new Workspace('2026-03-20T12:00:00Z', 'tp-cli-src-');
  beforeAll(async () => {
    hs = await HubSpotEmulator.start();
    hs.seed([{ id: '7', name: 'Globex', domain: 'globex.com' }], [{ id: '123', email: 'bob@globex.com', companyIds: ['7'] }]);
    w.env.TOUCHPOINT_SECRET_KEY = TEST_PASSPHRASE;
    w.env.HUBSPOT_TOKEN = hs.secret;
    await w.ok(['init', '--workspace', 'cs-team', '--internal-domain', 'ourco.com']);
  });
  afterAll(async () => hs.close());

  it('refuses a token given on the command line instead of a variable name', async () => {
    expectUserError(
      await w.run(['source', 'connect', 'hubspot', '--token-env', 'pat-na1-abc-def', '--base-url', hs.url]),
      /NAME of an environment variable/,
    );
  });

  it('connects, syncs, lists and disconnects', async () => {
    const connected = await w.json(['source', 'connect', 'hubspot', '--token-env', 'HUBSPOT_TOKEN', '--base-url', hs.url]);
    const id = connected.source.id as string;
    expect(JSON.stringify(connected)).not.toContain(hs.secret);

    const out = await w.ok(['source', 'sync']);
    expect(out).toMatch(/2 added, 0 updated, 0 removed, 0 skipped/);

    const [listed] = await w.json(['source', 'list']);
    expect(listed).toMatchObject({ id, source: 'crm:hubspot', status: 'active', counts: { added: 2, skipped: 0 } });
    expect(await w.ok(['source', 'list'])).toMatch(/crm:hubspot {2}active/);

    const users = await w.ok(['search', 'bob@globex.com']);
    expect(users).toMatch(
      /source crm:hubspot 123, https:\/\/app\.hubspot\.com\/contacts\/\d+\/record\/0-1\/123, last synced 2026-03-20T12:00:00\.000Z/,
    );
    expect(await w.ok(['status'])).toMatch(/Directory sources:\n.*crm:hubspot {2}active[\s\S]*2 added, 0 updated, 0 removed, 0 skipped/);

    expectUserError(await w.run(['source', 'disconnect', '--source', id]), /--keep-users or --remove-users/);
    const gone = await w.json(['source', 'disconnect', '--source', id, '--remove-users']);
    expect(gone).toMatchObject({ removedEndUsers: 1 });
    expect(await w.json(['source', 'list'])).toEqual([]);
  });

  it('connects Salesforce and Zendesk with their own flags, syncs one --source, and connecting again keeps the mapping', async () => {
    let zdNow = new Date('2026-03-20T11:00:00Z');
    const sf = await SalesforceEmulator.start();
    const zd = await ZendeskEmulator.start({ now: () => zdNow });
    try {
      sf.seed(
        [{ id: '001A', name: 'Globex', domain: 'globex.com' }],
        [{ id: '003A', email: 'carol@globex.com', secondaryEmails: ['c@globex.com'], companyIds: ['001A'] }],
      );
      zd.seed([{ id: '900', name: 'Initech', domain: 'initech.com' }], [{ id: '901', email: 'peter@initech.com', companyIds: ['900'] }]);
      zdNow = new Date('2026-03-20T11:05:00Z'); // the export leaves out the last minute
      w.env.SF_REFRESH_TOKEN = sf.secret;
      w.env.ZENDESK_TOKEN = zd.secret;
      const mapped = ['--email-fields', 'Email,npe01__AlternateEmail__c', '--accounts', 'source-id', '--remove-deleted-accounts'];
      const sfArgs = ['--instance-url', sf.url, '--login-url', sf.url, '--client-id', sf.clientId, '--token-env', 'SF_REFRESH_TOKEN'];
      const sfId = (await w.json(['source', 'connect', 'salesforce', ...sfArgs, ...mapped])).source.id as string;
      const zdId = (
        await w.json(['source', 'connect', 'zendesk', '--url', zd.url, '--email', zd.adminEmail, '--token-env', 'ZENDESK_TOKEN'])
      ).source.id as string;

      expect(await w.ok(['source', 'sync', '--source', sfId])).toMatch(/2 added, 0 updated, 0 removed, 0 skipped/);
      const listed = (await w.json(['source', 'list'])) as { id: string; lastSyncAt: string | null; mapping: unknown }[];
      expect(listed.find((s) => s.id === zdId)?.lastSyncAt).toBeNull(); // only the --source one synced
      expect(await w.ok(['search', 'c@globex.com'])).toMatch(/salesforce-001A/);
      expect(await w.ok(['source', 'list'])).toMatch(
        /mapping: Email, npe01__AlternateEmail__c; companies by source-id; a deleted company removes its end users/,
      );

      // A flag given changes only its part of the mapping; re-authorizing without flags keeps it all.
      await w.json(['source', 'connect', 'salesforce', ...sfArgs, '--accounts', 'domain']);
      const again = await w.json(['source', 'connect', 'salesforce', ...sfArgs]);
      expect(again).toMatchObject({
        reauthorized: true,
        source: {
          id: sfId,
          mapping: { emailFields: ['Email', 'npe01__AlternateEmail__c'], accounts: 'domain', companyDeleted: 'remove-account' },
        },
      });

      expect(await w.ok(['source', 'sync', '--source', zdId])).toMatch(/2 added/);
    } finally {
      await sf.close();
      await zd.close();
    }
  });
});
