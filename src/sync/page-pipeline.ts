// A sync's pipeline: page N+1 is taken from the source and planned (mail: decided, its linked
// bodies read; calendar: parsed and expanded) while the caller writes page N. A plan is
// waiting for the server or CPU on the main thread, a write mostly the store (on SQLite its
// own thread: store/dialects/sqlite-split-driver.ts), so in turn they add up; overlapped, both
// work at once. Bounded to one page ahead, so memory stays that of two pages whatever the
// mailbox's or calendar's size. What a page stores does not change: a mail page's plan is
// re-checked inside its transaction against what is stored by then (writeMailPage), which
// includes the page before it; a calendar page's plan is its parse alone, which reads nothing.
import type { SyncTurn } from './page-turns.js';

export interface PlannedPage<T, P> {
  page: T;
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
export async function* planAhead<T, P>(
  pages: AsyncIterable<T>,
  plan: (page: T) => Promise<P>,
  turn: Pick<SyncTurn, 'beforeWrite'> & Partial<Pick<SyncTurn, 'pageArrived'>>,
  signal?: AbortSignal,
  /** A page's items, told to `turn.pageArrived` (default 1). */
  items: (page: T) => number = () => 1,
): AsyncGenerator<PlannedPage<T, P>> {
  const it = pages[Symbol.asyncIterator]();
  const next = async (ahead: boolean): Promise<PlannedPage<T, P> | null> => {
    // Planned ahead, a long sync's next page still gives way to short syncs (page-turns.ts).
    if (ahead) await turn.beforeWrite();
    const r = await it.next();
    if (r.done) return null;
    // Before its plan: a big page (an initial sync's) makes this sync long now, not after the plan and write.
    turn.pageArrived?.(items(r.value));
    if (signal?.aborted) return { page: r.value, plan: null };
    return { page: r.value, plan: await plan(r.value) };
  };
  let pending: Promise<PlannedPage<T, P> | null> = next(false);
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
