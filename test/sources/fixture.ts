// A workspace for the directory-source scenarios, on a real database: a teammate whose folder
// mailbox holds mail from the source's contacts (synced first, so a source sync re-decides
// it), and the use cases called as a face would call them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppDeps } from '../../src/app/deps.js';
import { connectSource, syncSourcesHere } from '../../src/app/sources.js';
import type { SourceSyncReport } from '../../src/app/source-sync.js';
import { createSecrets } from '../../src/secrets/secrets.js';
import type { SourceKind } from '../../src/sources/types.js';
import { createConnection } from '../../src/store/connections.js';
import { addTeammate } from '../../src/store/directory.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { HubSpotEmulator } from '../emulators/hubspot.js';
import { SalesforceEmulator } from '../emulators/salesforce.js';
import type { SeedCompany, SeedContact, SourceEmulator } from '../emulators/source-emulator.js';
import { ZendeskEmulator } from '../emulators/zendesk.js';
import { TEST_OUTBOUND, TEST_PASSPHRASE, testConfig } from '../support/config.js';
import { openTestStore, type Dialect } from '../support/databases.js';
import { type TestMail, writeMailbox } from '../support/mailbox.js';

export const START = new Date('2026-03-20T12:00:00Z');

/** Starts a source's emulator on the world's clock. */
export type StartEmulator = (now: () => Date) => Promise<SourceEmulator>;

/** Every directory source the shared scenarios run against, with what differs between them. */
export const SOURCE_KINDS_UNDER_TEST: {
  kind: SourceKind;
  start: StartEmulator;
  throttleWaitMs: (askedSeconds: number) => number;
  /** Requests a sync makes before its first API call (Salesforce trades its refresh token first). */
  signInRequests: number;
}[] = [
  { kind: 'hubspot', start: () => HubSpotEmulator.start(), throttleWaitMs: (s) => s * 1000, signInRequests: 0 },
  // Salesforce's REQUEST_LIMIT_EXCEEDED carries no wait: the source waits an hour (docs/providers/salesforce.md).
  { kind: 'salesforce', start: (now) => SalesforceEmulator.start({ now }), throttleWaitMs: () => 3_600_000, signInRequests: 1 },
  // Zendesk's export limit (10 a minute) is tested in zendesk.test.ts; here it would only slow the scenarios.
  {
    kind: 'zendesk',
    start: (now) => ZendeskEmulator.start({ now, incrementalPerMinute: Number.POSITIVE_INFINITY }),
    throttleWaitMs: (s) => s * 1000,
    signInRequests: 0,
  },
];

export interface SourceWorld {
  deps: AppDeps;
  emulator: SourceEmulator;
  /** The source `sync` syncs (set it after connecting one yourself, with `connect` false). */
  sourceId: string;
  /** The account a source company becomes under the default mapping. */
  account(companyId: string): string;
  /** Sync the source here, `minutes` after the start. */
  sync(minutes?: number): Promise<SourceSyncReport>;
  /** Mail from these messages is in the teammate's mailbox and synced (not linked yet). */
  mail(mails: TestMail[]): Promise<void>;
  endUsers(): Promise<{ account: string; email: string; source: string; externalId: string | null; sourceUrl: string | null }[]>;
  close(): Promise<void>;
}

export async function sourceWorld(dialect: Dialect, kind: SourceKind, start: StartEmulator, connect = true): Promise<SourceWorld> {
  const store = await openTestStore(dialect, `src_${kind}`);
  // The source's clock: what is seeded is stamped five minutes before the first sync, a change
  // made between two syncs a minute after the last one (providers stamp changes with their own
  // time; Zendesk leaves out the last minute, Salesforce's next window starts at the last sync).
  let sourceNow = new Date(START.getTime() - 5 * 60_000);
  const emulator = await start(() => sourceNow);
  const db = store.db;
  const ws = await createWorkspace(db, 'acme-cs', ['ourco.com'], START);
  const secrets = createSecrets(TEST_PASSPHRASE);
  const deps: AppDeps = {
    db,
    ws,
    now: START,
    actor: 'test',
    connectors: { secrets, settings: testConfig() },
    secretKey: secrets.key(),
    outbound: TEST_OUTBOUND,
  };
  const teammate = await addTeammate(db, ws.id, { email: 'alice@ourco.com', aliases: [] }, START);
  const mailRoot = mkdtempSync(join(tmpdir(), 'tp-src-mail-'));
  await createConnection(
    db,
    ws.id,
    {
      teammateId: teammate.id,
      provider: 'folder',
      config: { mail: mailRoot },
      hasMail: true,
      hasCalendar: false,
      authorizedAt: new Date('2026-03-01T00:00:00Z'),
    },
    START,
  );
  let sourceId = '';
  if (connect) {
    sourceId = (await connectSource(deps, { kind, settings: emulator.settings, secret: emulator.secret })).source.id;
  }
  const world: SourceWorld = {
    deps,
    emulator,
    sourceId,
    account: (companyId) => `${kind}-${companyId}`,
    async sync(minutes = 0) {
      const at = new Date(START.getTime() + minutes * 60_000);
      sourceNow = at;
      const [r] = await syncSourcesHere({ ...deps, now: at }, { sourceId: world.sourceId });
      sourceNow = new Date(at.getTime() + 60_000);
      return r!;
    },
    async mail(mails) {
      writeMailbox(mailRoot, mails);
      await syncAll({ ...deps, actor: 'sync' });
    },
    async endUsers() {
      const rows = await db
        .selectFrom('end_users')
        .select(['account_id', 'email', 'source', 'external_id', 'source_url'])
        .where('workspace_id', '=', ws.id)
        .orderBy('account_id')
        .orderBy('email')
        .execute();
      return rows.map((r) => ({
        account: r.account_id,
        email: r.email,
        source: r.source,
        externalId: r.external_id,
        sourceUrl: r.source_url ?? null,
      }));
    },
    async close() {
      await emulator.close();
      await store.close();
    },
  };
  return world;
}

/** 2,000 companies of 5 contacts each; every 50th contact also belongs to the next company. */
export function bigDirectory(): { companies: SeedCompany[]; contacts: SeedContact[] } {
  const companies = Array.from({ length: 2_000 }, (_, i) => ({ id: String(10_000 + i), name: `Company ${i}`, domain: `c${i}.example` }));
  const contacts = Array.from({ length: 10_000 }, (_, i) => {
    const home = Math.floor(i / 5);
    const companyIds = [String(10_000 + home), ...(i % 50 === 0 ? [String(10_000 + ((home + 1) % 2_000))] : [])];
    return { id: String(100_000 + i), email: `person${i}@c${home}.example`, companyIds };
  });
  return { companies, contacts };
}
