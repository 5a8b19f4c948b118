// A directory source's page writes its new end users, accounts and company links through
// store/bulk-insert.ts (a prepared one-row statement on SQLite, one unnest statement on
// PostgreSQL), not through Kysely's VALUES lists. Every column must be stored exactly as given,
// nulls included, and a company linked again must take its new account and link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.js';
import type { EndUsersTable } from '../../src/store/schema.js';
import { companyAccounts, endUsersOfRecords, insertAccounts, insertEndUserRows, linkCompanies } from '../../src/store/sources.js';
import { listAccounts } from '../../src/store/directory.js';
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

describe.each(DIALECTS)('accounts and company links written in bulk on %s', (dialect) => {
  let store: { db: Store; close(): Promise<void> };
  let ws: string;
  beforeAll(async () => {
    store = await openTestStore(dialect, 'company_bulk');
    ws = (await createWorkspace(store.db, 'acme', ['ourco.com'], new Date(AT))).id;
  });
  afterAll(async () => store.close());

  it('adds the accounts and links each company, the last link of a company winning', async () => {
    await insertAccounts(
      store.db,
      ws,
      [
        { id: 'hubspot-1', name: 'Acme' },
        { id: 'hubspot-2', name: 'Globex' },
      ],
      new Date(AT),
    );
    expect(await listAccounts(store.db, ws)).toEqual([
      { id: 'hubspot-1', name: 'Acme' },
      { id: 'hubspot-2', name: 'Globex' },
    ]);
    await linkCompanies(store.db, ws, 'src-1', [{ externalId: '1', accountId: 'hubspot-1', url: null }], new Date(AT));
    const later = new Date('2026-03-21T08:00:00.000Z');
    await linkCompanies(
      store.db,
      ws,
      'src-1',
      [
        { externalId: '1', accountId: 'hubspot-1', url: 'https://app.hubspot.com/company/1' },
        { externalId: '2', accountId: 'hubspot-1', url: null },
        { externalId: '2', accountId: 'hubspot-2', url: 'https://app.hubspot.com/company/2' },
      ],
      later,
    );
    expect(Object.fromEntries(await companyAccounts(store.db, ws, 'src-1', ['1', '2']))).toEqual({ 1: 'hubspot-1', 2: 'hubspot-2' });
    const rows = await store.db.selectFrom('source_companies').selectAll().where('workspace_id', '=', ws).orderBy('external_id').execute();
    expect(rows).toEqual([
      {
        workspace_id: ws,
        source_id: 'src-1',
        external_id: '1',
        account_id: 'hubspot-1',
        url: 'https://app.hubspot.com/company/1',
        synced_at: later.toISOString(),
      },
      {
        workspace_id: ws,
        source_id: 'src-1',
        external_id: '2',
        account_id: 'hubspot-2',
        url: 'https://app.hubspot.com/company/2',
        synced_at: later.toISOString(),
      },
    ]);
  });
});
