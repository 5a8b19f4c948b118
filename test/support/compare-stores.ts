// "Compare two stores", shared by the upgrade test (a 0.1.0 database against the same one
// upgraded) and the restore test (a store against its backup restored): every table's rows,
// whole, and the explain answers for a sample of emails and meetings.
import { sql } from 'kysely';
import { explainEmail, explainMeeting } from '../../src/app/explain.js';
import type { Store } from '../../src/store/db.js';
import { findWorkspace } from '../../src/store/workspaces.js';

/** Every table (Kysely's bookkeeping left out): its columns and its rows as canonical JSON, sorted. */
export type StoreRows = Record<string, { columns: string[]; rows: Record<string, unknown>[] }>;

export async function storeRows(db: Store): Promise<StoreRows> {
  const out: StoreRows = {};
  for (const t of await db.introspection.getTables()) {
    // PostgreSQL: the store's tables are in public; pg-boss keeps its queue in a schema of its own.
    if (t.name.startsWith('kysely_') || (t.schema && t.schema !== 'public')) continue;
    const rows = (await db.selectFrom(sql.table(t.name).as('t')).selectAll().execute()) as Record<string, unknown>[];
    out[t.name] = { columns: t.columns.map((c) => c.name).sort(), rows };
  }
  return out;
}

const canonical = (row: Record<string, unknown>, columns: string[]) =>
  JSON.stringify(columns.map((c) => [c, row[c] instanceof Buffer ? (row[c] as Buffer).toString('base64') : row[c]]));

export interface RowsComparison {
  /** Rows per table in `before`. */
  counts: Record<string, number>;
  /** "table: row" for every row of `before` that `after` lacks (compared on before's columns). */
  missing: string[];
  /** Tables or columns of `before` that `after` no longer has. */
  dropped: string[];
  /** Tables whose row count changed. */
  countChanged: string[];
}

/**
 * Every row of `before`, every column it had, must be in `after`: what an upgrade must keep
 * (new columns and new tables may come) and what a restore must give back (then `after`
 * has nothing else either: compare both ways).
 */
export function compareRows(before: StoreRows, after: StoreRows): RowsComparison {
  const r: RowsComparison = { counts: {}, missing: [], dropped: [], countChanged: [] };
  for (const [table, { columns, rows }] of Object.entries(before)) {
    r.counts[table] = rows.length;
    const other = after[table];
    if (!other) {
      r.dropped.push(table);
      continue;
    }
    for (const c of columns) if (!other.columns.includes(c)) r.dropped.push(`${table}.${c}`);
    if (other.rows.length !== rows.length) r.countChanged.push(`${table}: ${rows.length} → ${other.rows.length}`);
    const kept = new Map<string, number>();
    for (const row of other.rows) {
      const k = canonical(row, columns);
      kept.set(k, (kept.get(k) ?? 0) + 1);
    }
    for (const row of rows) {
      const k = canonical(row, columns);
      const n = kept.get(k) ?? 0;
      if (n === 0) r.missing.push(`${table}: ${k}`);
      else kept.set(k, n - 1);
    }
  }
  return r;
}

export interface ExplainSample {
  emails: string[];
  /** [uid, occurrence start (ISO) or undefined]. */
  meetings: [string, string?][];
}

/** The answers as their JSON (what the CLI's --json and the API print), keyed like the 0.1.0 fixture. */
export async function explainAnswers(db: Store, sample: ExplainSample, now: Date, slug?: string): Promise<Record<string, unknown>> {
  const ws = await findWorkspace(db, slug);
  if (!ws) throw new Error('no workspace in the store');
  const ctx = { db, ws, now, actor: 'test' };
  const out: Record<string, unknown> = {};
  const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
  for (const id of sample.emails) out[`email ${id}`] = json(await explainEmail(ctx, { messageId: id }));
  for (const [uid, occ] of sample.meetings) {
    out[`meeting ${uid}${occ ? ` @${occ}` : ''}`] = json(await explainMeeting(ctx, { uid, ...(occ ? { occurrence: new Date(occ) } : {}) }));
  }
  return out;
}

/**
 * Where `after` differs from `before` on the fields `before` has ("$.checks[2].code: …"). The
 * answer format may grow (new fields are not differences); arrays must keep their length.
 */
export function answerDifferences(before: unknown, after: unknown, path = '$'): string[] {
  if (Array.isArray(before)) {
    if (!Array.isArray(after)) return [`${path}: was an array, now ${JSON.stringify(after)}`];
    if (after.length !== before.length) return [`${path}: ${before.length} items, now ${after.length}`];
    return before.flatMap((b, i) => answerDifferences(b, after[i], `${path}[${i}]`));
  }
  if (before && typeof before === 'object') {
    if (!after || typeof after !== 'object' || Array.isArray(after)) return [`${path}: was an object, now ${JSON.stringify(after)}`];
    return Object.entries(before).flatMap(([k, v]) => answerDifferences(v, (after as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return before === after ? [] : [`${path}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`];
}
