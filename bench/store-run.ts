// Touchpoint's page-by-page decide + store of parsed emails, exactly as a sync stores a page
// (src/sync/run-sync.ts: page N+1 planned — dedup look-up, decide — while page N is written,
// then multi-row inserts, errors cleared and cursor in one transaction per page). bench:store measures it against the raw insert; bench:redecide uses it as the limit
// a directory change over the same number of emails is compared with.
import { performance } from 'node:perf_hooks';
import { retryOnConflict } from '../src/store/conflicts.js';
import { clearItemErrors, createConnection, listConnections, saveCursor } from '../src/store/connections.js';
import { loadDirectoryIndex, type Ctx } from '../src/store/context.js';
import type { DB } from '../src/store/schema.js';
import { openStore } from '../src/store/open.js';
import { planMailPage, writeMailPage } from '../src/sync/email-ingest.js';
import { planAhead } from '../src/sync/mail-pipeline.js';
import { backendsCpu, backendsCpuSince } from './pg-cpu.js';
import { parsedMail, seedDirectory } from './workers-fixtures.js';

const NOW = new Date('2026-03-20T12:00:00Z');
const AUTH = new Date('2026-01-01T00:00:00Z');
type Row = Record<string, unknown>;

/** Decide and store `emails` parsed emails into a fresh store at `location`; returns emails/s, and the rows written when asked. */
export async function decideAndStore(
  location: string,
  opts: { emails: number; pageSize: number; readBack?: (keyof DB)[] },
): Promise<{ perSec: number; ms: number; cpuMs: number; serverCpuMs: number | null; linked: number; rows: Map<keyof DB, Row[]> }> {
  const db = await openStore(location, { poolMax: 4 });
  try {
    const { ws, teammateIds } = await seedDirectory(db, 1, NOW);
    const connId = await createConnection(
      db,
      ws.id,
      { teammateId: teammateIds[0]!, provider: 'folder', config: {}, hasMail: true, hasCalendar: false, authorizedAt: AUTH },
      NOW,
    );
    const ctx: Ctx = { db, ws, now: NOW, actor: 'bench' };
    const conns = new Map((await listConnections(db, ws.id)).map((c) => [c.id, c]));
    const conn = conns.get(connId)!;
    const dir = await loadDirectoryIndex(ctx);
    const mail = parsedMail(opts.emails, 0, 42);
    let linked = 0;
    const pg = location.startsWith('postgres');
    const server0 = pg ? await backendsCpu(db) : null;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const plan = (sightings: typeof mail) => planMailPage(ctx, dir, conn, conns, sightings);
    async function* pages() {
      for (let i = 0; i < mail.length; i += opts.pageSize) {
        const sightings = mail.slice(i, i + opts.pageSize);
        yield { sightings, errors: [], cursor: { upTo: i + sightings.length } };
      }
    }
    for await (const { page, plan: planned } of planAhead(pages(), plan, { beforeWrite: async () => {} })) {
      let first = planned;
      await retryOnConflict(async () => {
        const p = first ?? (await plan(page.sightings));
        first = null;
        await db.transaction().execute(async (trx) => {
          const r = await writeMailPage({ ...ctx, db: trx }, dir, conn, conns, p);
          await clearItemErrors(
            trx,
            connId,
            page.sightings.map((s) => s.ref),
          );
          await saveCursor(trx, connId, 'mail', page.cursor, NOW);
          linked += r.linked;
        });
      });
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // PostgreSQL: the server's CPU for this loop (its backends, read after the loop: not timed).
    const serverCpuMs = pg ? backendsCpuSince(server0, await backendsCpu(db)) : null;
    const rows = new Map<keyof DB, Row[]>();
    for (const t of opts.readBack ?? []) rows.set(t, (await db.selectFrom(t).selectAll().execute()) as Row[]);
    return { perSec: opts.emails / (ms / 1000), ms, cpuMs: (cpu.user + cpu.system) / 1000, serverCpuMs, linked, rows };
  } finally {
    await db.destroy();
  }
}
