// The mail sync's pipeline: page N+1 is taken from the source and planned (decided, its linked
// bodies read) while the caller writes page N. A plan is mostly waiting for the server, a write
// mostly the store, so in turn they add up; overlapped, the server works during the write.
// Bounded to one page ahead, so memory stays that of two pages whatever the mailbox's size.
// What a page stores does not change: its plan is re-checked inside its transaction against
// what is stored by then (writeMailPage), which includes the page before it.
import type { MailPage } from '../providers/types.js';
import type { SyncTurn } from './page-turns.js';

export interface PlannedPage<P> {
  page: MailPage;
  /** Null when the sync was cancelled before the page came: it is not planned, nor to be stored. */
  plan: P | null;
}

/**
 * Yields each page with its plan, in the source's order; the next page is being planned while
 * the caller handles this one. A failure of the next page's fetch or plan is thrown when the
 * caller asks for it, so every page before it is stored first, as when run in turn. The source
 * is closed (its finally runs) only after the page planned ahead has settled, so nothing is
 * still reading from it.
 */
export async function* planAhead<P>(
  pages: AsyncIterable<MailPage>,
  plan: (sightings: MailPage['sightings']) => Promise<P>,
  turn: Pick<SyncTurn, 'beforeWrite'> & Partial<Pick<SyncTurn, 'pageArrived'>>,
  signal?: AbortSignal,
): AsyncGenerator<PlannedPage<P>> {
  const it = pages[Symbol.asyncIterator]();
  const next = async (ahead: boolean): Promise<PlannedPage<P> | null> => {
    // Planned ahead, a long sync's next page still gives way to short syncs (page-turns.ts).
    if (ahead) await turn.beforeWrite();
    const r = await it.next();
    if (r.done) return null;
    // Before its plan: a big page (an initial sync's) makes this sync long now, not after the plan and write.
    turn.pageArrived?.(r.value.sightings.length);
    if (signal?.aborted) return { page: r.value, plan: null };
    return { page: r.value, plan: await plan(r.value.sightings) };
  };
  let pending: Promise<PlannedPage<P> | null> = next(false);
  try {
    for (;;) {
      const current = await pending;
      if (!current) return;
      pending = next(true);
      pending.catch(() => undefined); // not unhandled while the caller writes `current`
      // One turn of the event loop before the caller's transaction: the next plan's store read
      // (which dedup keys are stored) goes first instead of queueing behind the whole write on
      // SQLite's one connection, and its body requests are on their way to the server.
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield current;
    }
  } finally {
    await pending.catch(() => undefined);
    await it.return?.();
  }
}
