// Fuzzing the end-user CSV import (importEndUsersCsv, behind `touchpoint users import` and
// POST /v1/end-users/import) on a real in-memory SQLite store: every input ends as a
// report whose bad rows say their line and why, or as an 'invalid' AppError for a file that is
// not a usable CSV — never another exception, never a hang, and the good rows are stored.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importEndUsersCsv } from '../../src/app/csv-import.js';
import { AppError } from '../../src/app/errors.js';
import type { Store } from '../../src/store/db.js';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import { addAccount, listEndUsers } from '../../src/store/directory.js';
import { createWorkspace, type WorkspaceRecord } from '../../src/store/workspaces.js';
import type { Ctx } from '../../src/store/context.js';
import { applyMutation, guarded, mutation, Tally } from './harness.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const ACCOUNTS = ['acme', 'globex', "o'brien; DROP TABLE end_users;--"];

let db: Store;
let ws: WorkspaceRecord;
beforeAll(async () => {
  db = await openSqlite(':memory:');
  ws = await createWorkspace(db, 'fuzz-cs', ['ourco.com'], NOW);
  for (const id of ACCOUNTS) await addAccount(db, ws.id, { id, name: id }, NOW);
});
afterAll(async () => db?.destroy());

async function importOne(text: string, tally: Tally): Promise<void> {
  let outcome = 'imported';
  const ctx: Ctx = { db, ws, now: NOW, actor: 'fuzz' };
  const ms = await guarded('csv', text, async () => {
    try {
      const report = await importEndUsersCsv(ctx, text, 'csv');
      const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
      expect(total).toBe(report.rows.length);
      for (const r of report.rows) {
        expect(Number.isInteger(r.line) && r.line >= 1).toBe(true);
        if (r.outcome === 'error') expect(r.reason?.length).toBeGreaterThan(0);
      }
      if (report.counts.error) outcome = 'imported with row errors';
      // Start the next input from an empty directory: the store stays small and fast.
      await db.deleteFrom('end_users').where('workspace_id', '=', ws.id).execute();
      await db.deleteFrom('audit_log').where('workspace_id', '=', ws.id).execute();
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'invalid') throw err;
      expect(err.message.length).toBeGreaterThan(0);
      outcome = 'rejected';
    }
  });
  tally.add(outcome, ms);
}

const HEADERS = [
  'account_id,email,name,external_id',
  'email,account_id',
  'ACCOUNT_ID , Email ,Name,secondary_email',
  '"account_id","email"',
  'account_id;email',
  'email',
  '\uFEFFaccount_id,email,name',
  '',
];
const field = fc.oneof(
  fc.constantFrom(
    ...ACCOUNTS,
    'unknown-acct',
    'bob@acme.com',
    'Bob <bob@acme.com>',
    'b@@x',
    '',
    ' ',
    '"',
    '""',
    '"a,b"',
    '"multi\nline"',
    '=cmd|/c calc',
    "'; DROP TABLE end_users;--",
    '<script>alert(1)</script>',
    'é@ünicode.example',
    'x'.repeat(5000),
  ),
  fc.string({ maxLength: 30 }),
  fc.emailAddress(),
);
const row = fc.array(field, { minLength: 0, maxLength: 5 }).map((cells) => cells.join(','));
const generatedCsv = fc
  .tuple(fc.constantFrom(...HEADERS), fc.array(row, { maxLength: 10 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([h, rows, nl]) => [h, ...rows].join(nl));

const SEED = [
  'account_id,email,name,external_id',
  'acme,bob@acme.com,Bob,crm-1',
  'globex,"carol@globex.com","Carol, Jr.",crm-2',
  'acme,frank@acme.com,"Frank',
  'on two lines",',
  'acme,not an address,,',
  'nope,dan@nope.example,,',
  `${JSON.stringify(ACCOUNTS[2])},eve@evil.example,Eve,`,
].join('\r\n');

// 7,000 + 3,000 = 10,000 inputs.
describe('CSV fuzzing: the import reports every bad row or rejects the file, and never throws otherwise', () => {
  it('generated files: odd headers, quoting, line endings, injection strings, huge fields (7,000)', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(generatedCsv, async (text) => importOne(text, tally)),
      { numRuns: 7000, endOnFailure: true },
    );
    console.log(`csv generated: ${tally}`);
    expect(tally.items).toBe(7000);
  });

  it('byte-level mutations of a good file (3,000)', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (ms) =>
        importOne(ms.reduce(applyMutation, Buffer.from(SEED)).toString('utf8'), tally),
      ),
      { numRuns: 3000, endOnFailure: true },
    );
    console.log(`csv byte mutations: ${tally}`);
    expect(tally.items).toBe(3000);
  });

  it('the good rows of a mixed file are stored, the bad ones reported by line', async () => {
    const report = await importEndUsersCsv({ db, ws, now: NOW, actor: 'fuzz' }, SEED, 'csv');
    expect(report.rows.map((r) => [r.line, r.outcome === 'error' ? r.reason : 'ok'])).toEqual([
      [2, 'ok'],
      [3, 'ok'],
      [4, 'ok'],
      [6, '"not an address" is not an email address'],
      [7, 'unknown account "nope"'],
      [8, 'ok'],
    ]);
    const emails = (await listEndUsers(db, ws.id)).map((u) => u.email);
    expect(emails).toEqual(expect.arrayContaining(['bob@acme.com', 'carol@globex.com', 'frank@acme.com', 'eve@evil.example']));
    // The account id that looks like SQL was a value, not a statement: the table is still there.
    expect((await listEndUsers(db, ws.id)).find((u) => u.email === 'eve@evil.example')?.accountId).toBe(ACCOUNTS[2]);
  });
});
