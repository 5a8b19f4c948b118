// CSV import of end users (account_id,email,name,external_id). Bad rows are reported with
// their line number and reason; good rows are imported; rows of users deleted with
// "suppress" are skipped and reported (the article: "the user will be recreated on the
// next sync" unless suppressed).
import { parse } from 'csv-parse/sync';
import type { Ctx } from '../store/context.js';
import { findEndUser, insertEndUser, isSuppressed, listAccounts } from '../store/directory.js';
import { isValidAddress, normalizeAddress } from '../directory/address.js';
import { applyAndAudit, type ChangeResult } from './directory-changes.js';
import { AppError } from './errors.js';

export type RowOutcome = 'created' | 'unchanged' | 'skipped_suppressed' | 'error';

export interface RowReport {
  line: number;
  email?: string;
  accountId?: string;
  outcome: RowOutcome;
  reason?: string;
}

export interface ImportReport extends ChangeResult {
  source: string;
  rows: RowReport[];
  counts: Record<RowOutcome, number>;
}

const REQUIRED = ['account_id', 'email'] as const;
const KNOWN = new Set(['account_id', 'email', 'name', 'external_id']);

/** Addresses in the row's other columns (a CRM's "secondary email", …): kept so the
 * troubleshooter can say "this address is on the end user, but not in its email field". */
function otherAddresses(record: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [col, value] of Object.entries(record)) {
    if (KNOWN.has(col) || !value) continue;
    for (const v of value.split(/[;,\s]+/)) if (v && isValidAddress(v) && !out.includes(v)) out.push(v);
  }
  return out;
}

export async function importEndUsersCsv(ctx: Ctx, text: string, source: string): Promise<ImportReport> {
  let records: { record: Record<string, string>; info: { lines: number }; raw: string }[];
  try {
    // One line ending for the parser: it counts a CRLF inside a quoted field as two lines,
    // which shifted the line number of every later row (Excel writes CRLF).
    records = parse(text.replace(/\r\n?/g, '\n'), {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      bom: true,
      info: true,
      raw: true,
    }) as { record: Record<string, string>; info: { lines: number }; raw: string }[];
  } catch (err) {
    throw new AppError('invalid', `cannot read the CSV: ${(err as Error).message}`);
  }
  const header =
    text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/, 1)[0]
      ?.toLowerCase() ?? '';
  for (const col of REQUIRED) {
    if (
      !header
        .split(',')
        .map((h) => h.trim().replace(/^"|"$/g, ''))
        .includes(col)
    ) {
      throw new AppError('invalid', `the CSV header must name the columns account_id,email,name,external_id (missing "${col}")`);
    }
  }

  const accounts = new Set((await listAccounts(ctx.db, ctx.ws.id)).map((a) => a.id));
  const rows: RowReport[] = [];
  const created: string[] = [];
  const seen = new Set<string>();
  await ctx.db.transaction().execute(async (trx) => {
    for (const { record, info, raw } of records) {
      // info.lines is where the record ENDS; report where it starts (a quoted field may span lines).
      const inner = raw.replace(/^\n+/, '').replace(/\n$/, '').split('\n').length - 1;
      const line = info.lines - inner;
      const accountId = record.account_id ?? '';
      const email = record.email ?? '';
      const base = { line, email, accountId };
      if (!accountId) {
        rows.push({ ...base, outcome: 'error', reason: 'account_id is empty' });
        continue;
      }
      if (!accounts.has(accountId)) {
        rows.push({ ...base, outcome: 'error', reason: `unknown account "${accountId}"` });
        continue;
      }
      if (!isValidAddress(email)) {
        rows.push({ ...base, outcome: 'error', reason: email ? `"${email}" is not an email address` : 'email is empty' });
        continue;
      }
      const key = `${accountId}|${normalizeAddress(email)}`;
      if (seen.has(key)) {
        rows.push({ ...base, outcome: 'error', reason: 'duplicate of an earlier row' });
        continue;
      }
      seen.add(key);
      if (await isSuppressed(trx, ctx.ws.id, source, accountId, email)) {
        rows.push({ ...base, outcome: 'skipped_suppressed', reason: `deleted with suppress; ${source} will not recreate it` });
        continue;
      }
      if (await findEndUser(trx, ctx.ws.id, accountId, email)) {
        rows.push({ ...base, outcome: 'unchanged' });
        continue;
      }
      const otherFields = otherAddresses(record).filter((a) => normalizeAddress(a) !== normalizeAddress(email));
      await insertEndUser(
        trx,
        ctx.ws.id,
        { accountId, email, name: record.name || undefined, source, externalId: record.external_id || undefined, otherFields },
        ctx.now,
      );
      created.push(email);
      rows.push({ ...base, outcome: 'created' });
    }
  });
  const counts: Record<RowOutcome, number> = { created: 0, unchanged: 0, skipped_suppressed: 0, error: 0 };
  for (const r of rows) counts[r.outcome]++;
  const change = await ctx.db
    .transaction()
    .execute((trx) => applyAndAudit({ ...ctx, db: trx }, 'end_users.import', source, created, { counts }));
  return { ...change, source, rows, counts };
}
