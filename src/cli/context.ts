// Shared CLI plumbing: global options, opening the store, user errors.
import { openSqlite, type Store } from '../store/db.js';
import { findWorkspace } from '../store/workspaces.js';
import type { Ctx } from '../sync/context.js';

export class UserError extends Error {}

export interface GlobalOptions {
  db: string;
  now?: string;
  workspace?: string;
}

/** --now: the clock for everything time-dependent; default the real time. */
export function parseNow(raw: string | undefined): Date {
  if (raw === undefined) return new Date();
  return parseDate(raw, '--now');
}

export function parseDate(raw: string, what: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim());
  const d = new Date(raw.trim());
  if (!ok || Number.isNaN(d.getTime())) throw new UserError(`${what}: "${raw}" is not an ISO-8601 date (e.g. 2026-03-01T09:00:00Z)`);
  return d;
}

export async function openStore(g: GlobalOptions): Promise<Store> {
  if (g.db.startsWith('postgres://') || g.db.startsWith('postgresql://')) {
    throw new UserError('PostgreSQL is not supported yet by this build; use a SQLite path for --db');
  }
  return openSqlite(g.db);
}

/** The command's context: store + workspace + clock. Fails clearly before `init`. */
export async function withContext<T>(g: GlobalOptions, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  const now = parseNow(g.now);
  const db = await openStore(g);
  try {
    const ws = await findWorkspace(db, g.workspace);
    if (!ws) {
      throw new UserError(g.workspace ? `no workspace "${g.workspace}" in ${g.db}` : `no workspace in ${g.db}: run "touchpoint init --workspace <slug>" first`);
    }
    return await fn({ db, ws, now, actor: 'cli' });
  } finally {
    await db.destroy();
  }
}
