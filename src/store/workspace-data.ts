// All of one workspace's data, found from the database's own schema (so a table added
// later is included without touching this file): every table with a workspace_id column,
// tables keyed by connection_id (cursors), and the workspaces row itself. Used by
// `touchpoint workspace export` (secrets left out) and `workspace delete` (everything).
import { sql } from 'kysely';
import type { Store } from './db.js';

export interface WorkspaceTable {
  name: string;
  /** How its rows belong to a workspace. */
  scope: 'workspace_id' | 'connection_id' | 'id';
  columns: string[];
}

/** Never exported: encrypted credentials, token and sign-in code hashes, the HMAC key of hashed addresses. */
const SECRET_COLUMN = /(_enc$|^token_hash$|^code_hash$|^hash_key$)/;

export async function workspaceTables(db: Store): Promise<WorkspaceTable[]> {
  const tables = await db.introspection.getTables();
  const out: WorkspaceTable[] = [];
  for (const t of tables) {
    if (t.name.startsWith('kysely_')) continue;
    const cols = t.columns.map((c) => c.name);
    if (t.name === 'workspaces') out.push({ name: t.name, scope: 'id', columns: cols });
    else if (cols.includes('workspace_id')) out.push({ name: t.name, scope: 'workspace_id', columns: cols });
    else if (cols.includes('connection_id')) out.push({ name: t.name, scope: 'connection_id', columns: cols });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function scoped(t: WorkspaceTable, ws: string) {
  if (t.scope === 'id') return sql`${sql.ref('id')} = ${ws}`;
  if (t.scope === 'workspace_id') return sql`${sql.ref('workspace_id')} = ${ws}`;
  return sql`${sql.ref('connection_id')} in (select id from connections where workspace_id = ${ws})`;
}

export interface WorkspaceExport {
  format: 'touchpoint-workspace-export/1';
  exportedAt: string;
  workspace: { id: string; slug: string };
  /** Columns left out of every row, per table. */
  excludedColumns: Record<string, string[]>;
  tables: Record<string, Record<string, unknown>[]>;
}

/** A connector's JSON config may keep encrypted fields ("clientStateEnc"): left out too. */
function withoutJsonSecrets(row: Record<string, unknown>): Record<string, unknown> {
  if (typeof row.config !== 'string') return row;
  try {
    return { ...row, config: JSON.stringify(JSON.parse(row.config), (k, v: unknown) => (/Enc$/.test(k) ? undefined : v)) };
  } catch {
    return row;
  }
}

export async function exportWorkspace(db: Store, ws: { id: string; slug: string }, now: Date): Promise<WorkspaceExport> {
  const out: WorkspaceExport = {
    format: 'touchpoint-workspace-export/1',
    exportedAt: now.toISOString(),
    workspace: { id: ws.id, slug: ws.slug },
    excludedColumns: {},
    tables: {},
  };
  for (const t of await workspaceTables(db)) {
    const keep = t.columns.filter((c) => !SECRET_COLUMN.test(c));
    const dropped = t.columns.filter((c) => SECRET_COLUMN.test(c));
    if (dropped.length) out.excludedColumns[t.name] = dropped;
    const rows = await sql<
      Record<string, unknown>
    >`select ${sql.join(keep.map((c) => sql.ref(c)))} from ${sql.table(t.name)} where ${scoped(t, ws.id)}`.execute(db);
    out.tables[t.name] = rows.rows.map(withoutJsonSecrets);
  }
  return out;
}

/** Deletes every row of the workspace in one transaction; rows deleted per table. */
export async function deleteWorkspace(db: Store, wsId: string): Promise<Record<string, number>> {
  const tables = await workspaceTables(db);
  // Rows found through connections first, the workspaces row last.
  const order = [
    ...tables.filter((t) => t.scope === 'connection_id'),
    ...tables.filter((t) => t.scope === 'workspace_id'),
    ...tables.filter((t) => t.scope === 'id'),
  ];
  const counts: Record<string, number> = {};
  await db.transaction().execute(async (trx) => {
    for (const t of order) {
      const r = await sql`delete from ${sql.table(t.name)} where ${scoped(t, wsId)}`.execute(trx);
      counts[t.name] = Number(r.numAffectedRows ?? 0n);
    }
  });
  return counts;
}
