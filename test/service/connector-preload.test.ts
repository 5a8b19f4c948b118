// A service loads the connectors its connections use before it takes a job: a fresh worker's
// first syncs no longer wait for imapflow & co. to load (bench:workers: ≈ 0.3–0.6 s before
// every slot's first log-in). Providers no connection uses stay unloaded.
import { Writable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { loadedConnectors } from '../../src/providers/registry.js';
import { serviceConfig } from '../../src/service/config.js';
import { createLogger } from '../../src/service/logger.js';
import { startService } from '../../src/service/runtime.js';
import { createConnection } from '../../src/store/connections.js';
import { addTeammate } from '../../src/store/directory.js';
import { openStore } from '../../src/store/open.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

let database: TestDatabase | undefined;
afterAll(async () => {
  await database?.drop();
});

it('a worker loads the connectors of the stored connections before it takes jobs', async () => {
  database = await createTestDatabase('postgres', 'connector-preload');
  const now = new Date();
  const db = await openStore(database.location);
  try {
    const ws = await createWorkspace(db, 'preload', ['ourco.com'], now);
    const teammate = await addTeammate(db, ws.id, { email: 'csm@ourco.com', aliases: [] }, now);
    const config = { host: '127.0.0.1', port: 1, security: 'plain', user: 'csm', auth: 'password', folders: ['INBOX'] };
    await createConnection(
      db,
      ws.id,
      { teammateId: teammate.id, provider: 'imap', config, hasMail: true, hasCalendar: false, authorizedAt: now },
      now,
    );
  } finally {
    await db.destroy();
  }
  expect(loadedConnectors().has('imap')).toBe(false);
  const quiet = createLogger({ level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const svc = await startService(serviceConfig(testConfig({ db: database.location }), 'worker'), { logger: quiet });
  try {
    expect([...loadedConnectors()]).toEqual(['imap']);
  } finally {
    await svc.close();
  }
}, 60_000);
