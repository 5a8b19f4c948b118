// A directory source's new end users go in through store/bulk-insert.ts (a prepared one-row
// statement on SQLite, one unnest statement on PostgreSQL), not through Kysely's VALUES list.
// Every column must be stored exactly as given, nulls and the optional source columns included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.js';
import type { EndUsersTable } from '../../src/store/schema.js';
import { endUsersOfRecords, insertEndUserRows } from '../../src/store/sources.js';
import { createWorkspace } from '../../src/store/workspaces.js';
import { DIALECTS, openTestStore } from '../support/databases.js';

const AT = '2026-03-20T12:00:00.000Z';

describe.each(DIALECTS)('end users inserted in bulk on %s', (dialect) => {
  let store: { db: Store; close(): Promise<void> };
  let ws: string;
  beforeAll(async () => {
    store = await openTestStore(dialect, 'end_user_bulk');
    ws = (await createWorkspace(store.db, 'acme', ['ourco.com'], new Date(AT))).id;
    await store.db.insertInto('accounts').values({ workspace_id: ws, id: 'hubspot-1', name: 'Acme', created_at: AT }).execute();
  });
  afterAll(async () => store.close());

  it('stores every column as given, nulls and all', async () => {
    const full: EndUsersTable = {
      id: '0193a000-0000-7000-8000-000000000001',
      workspace_id: ws,
      account_id: 'hubspot-1',
      email: 'Bob@Acme.example',
      email_norm: 'bob@acme.example',
      name: 'Bob',
      source: 'crm:hubspot',
      external_id: '101',
      other_fields: JSON.stringify(['bob.private@example.org']),
      created_at: AT,
      source_url: 'https://app.hubspot.com/contacts/1/contact/101',
      source_synced_at: AT,
    };
    // The optional columns left out: stored as nulls, as a row without them always was.
    const bare: EndUsersTable = {
      id: '0193a000-0000-7000-8000-000000000002',
      workspace_id: ws,
      account_id: 'hubspot-1',
      email: 'carol@acme.example',
      email_norm: 'carol@acme.example',
      name: null,
      source: 'crm:hubspot',
      external_id: '102',
      other_fields: null,
      created_at: AT,
    };
    await insertEndUserRows(store.db, [full, bare]);
    const rows = await endUsersOfRecords(store.db, ws, 'crm:hubspot', ['101', '102']);
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual([full, { ...bare, source_url: null, source_synced_at: null }]);
  });

  it('inserts nothing for no rows', async () => {
    await insertEndUserRows(store.db, []);
    expect(await endUsersOfRecords(store.db, ws, 'crm:hubspot', ['103'])).toEqual([]);
  });
});
