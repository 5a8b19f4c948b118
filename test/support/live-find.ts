// A workspace for live-lookup tests, built straight in the store (no CLI round trips): the
// teammate alice@ourco.com, the account Acme with end user john@acme.com, and connections
// added with an encrypted secret as `connect` would store them.
import type { AppDeps } from '../../src/app/deps.js';
import type { Config } from '../../src/config/index.js';
import type { Provider } from '../../src/domain/connection.js';
import { createSecrets } from '../../src/secrets/secrets.js';
import { createConnection, updateConnection } from '../../src/store/connections.js';
import { addAccount, addTeammate, insertEndUser } from '../../src/store/directory.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { testConfig, testConnectors } from './config.js';
import { openTestStore, type Dialect } from './databases.js';

export interface LiveWorkspace {
  deps: AppDeps;
  aliceId: string;
  connect(c: {
    provider: Provider;
    config: Record<string, unknown>;
    secret: string;
    authorizedAt: string;
    lastSyncAt?: string;
    nextSyncAt?: string;
    mail?: boolean;
    calendar?: boolean;
    teammateId?: string;
  }): Promise<string>;
  close(): Promise<void>;
}

export async function liveWorkspace(now: string, config: Config = testConfig(), dialect: Dialect = 'sqlite'): Promise<LiveWorkspace> {
  const store = await openTestStore(dialect, 'live');
  const at = new Date(now);
  const ws = await createWorkspace(store.db, 'cs-team', ['ourco.com'], at);
  const alice = await addTeammate(store.db, ws.id, { email: 'alice@ourco.com', aliases: [] }, at);
  await addAccount(store.db, ws.id, { id: 'acme', name: 'Acme' }, at);
  await insertEndUser(store.db, ws.id, { accountId: 'acme', email: 'john@acme.com', source: 'csv' }, at);
  const connectors = testConnectors(config);
  const secrets = createSecrets(config.secretKey);
  const deps: AppDeps = { db: store.db, ws, now: at, actor: 'alice-token', connectors };
  return {
    deps,
    aliceId: alice.id,
    async connect(c) {
      const id = await createConnection(
        store.db,
        ws.id,
        {
          teammateId: c.teammateId ?? alice.id,
          provider: c.provider,
          config: c.config,
          secretEnc: secrets.encrypt(c.secret),
          hasMail: c.mail ?? true,
          hasCalendar: c.calendar ?? false,
          authorizedAt: new Date(c.authorizedAt),
        },
        at,
      );
      await updateConnection(store.db, ws.id, id, {
        ...(c.lastSyncAt ? { lastSyncAt: new Date(c.lastSyncAt) } : {}),
        nextSyncAt: c.nextSyncAt ? new Date(c.nextSyncAt) : null,
      });
      return id;
    },
    close: () => store.close(),
  };
}
