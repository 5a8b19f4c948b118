import { setImmediate as nextTurn } from 'node:timers/promises';

// Short syncs go first. A sync that a person is waiting on — new mail announced by push, a
// poll that finds a message or two — is one page; an initial sync is hundreds. In one process
// all syncs share the event loop and, on SQLite, one connection, so without an order a pushed
// message waits behind the pages of another mailbox's initial sync (seconds, measured by
// bench:imap). So a sync, before each page after its first (and again before that page's
// transaction), lets the syncs that are still on their first page finish — for at most
// MAX_WAIT_MS, so that a steady stream of short syncs slows a long one but never stops it.
// Only pages with mail in them count: an IMAP sync ends with a page that only saves the
// cursor and the folder counts, so a one-page push or poll was two pages, became "long" at
// that empty page and waited (twice, up to MAX_WAIT_MS each) for every other sync still on
// its first page — at concurrency 8 nearly always, up to 1 s added to each ~1 s sync
// (bench:workers, 2026-12-07).
// A sync whose first page is already big (an initial sync's 500 messages) is long from the
// moment that page arrives: counted short until its second page, it held every other sync's
// later pages back (a pushed sync's last, empty page waited out MAX_WAIT_MS twice, bench:imap).
// A sync from no cursor (an initial sync) is long from its start: it is not what the others
// give way for, and initial syncs started together do not wait for each other's log-ins.
// A long sync also gives way while it plans a page (between slices of its decisions), not only
// before it stores one: the plan of the page it fetched ahead is CPU on the same event loop.

/** The most items a sync's page may hold and the sync still count as short (a push, a quiet poll). */
export const SHORT_PAGE_ITEMS = 100;

/** The longest a long sync waits for short ones before each of its pages. */
export const MAX_WAIT_MS = 500;

/** One process's syncs: how many are on their first page, and who waits for them. */
export class PageTurns {
  private short = 0;
  private waiting: (() => void)[] = [];

  /** A sync starts: it is short until it asks for its second page. */
  begin(): SyncTurn {
    this.short++;
    let isShort = true;
    let pages = 0;
    const leaveShort = () => {
      if (!isShort) return;
      isShort = false;
      if (--this.short === 0) for (const wake of this.waiting.splice(0)) wake();
    };
    const giveWay = async () => {
      if (isShort || this.short === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        timer = setTimeout(resolve, MAX_WAIT_MS);
      });
      clearTimeout(timer);
    };
    return {
      initial: leaveShort,
      pageArrived: (items) => {
        if (items > SHORT_PAGE_ITEMS) leaveShort();
      },
      pause: async () => {
        await giveWay();
        await nextTurn();
      },
      beforePage: async (items = 1) => {
        if (items === 0 || pages++ === 0) return;
        leaveShort();
        await giveWay();
      },
      beforeWrite: async (items = 1) => {
        if (items > 0) await giveWay();
      },
      end: leaveShort,
    };
  }

  /** Syncs on their first page now (tests, metrics). */
  get shortSyncs(): number {
    return this.short;
  }
}

export interface SyncTurn {
  /**
   * The stream starts from no cursor: an initial sync, long from now on whatever its first page
   * holds. Counted short until that page came, it held every other long sync back (before each
   * page and each write, up to MAX_WAIT_MS) while it logged in and fetched: when many mailboxes
   * are connected at once (a team starting, bench:workers) initial syncs waited for each
   * other's log-ins, 18–26 waits of ≈ 200 ms per 50 syncs at concurrency 8.
   */
  initial(): void;
  /** A page came from the source with this many items: a big one makes the sync long at once. */
  pageArrived(items: number): void;
  /**
   * Between slices of a page's plan: a long sync waits while short syncs run (as beforeWrite),
   * then every sync lets the event loop turn once.
   */
  pause(): Promise<void>;
  /**
   * Before each page (mail or calendar) is stored: from the second on, short syncs go first.
   * `items`: the page's items (default 1); a page of none (a cursor save) never counts or waits.
   */
  beforePage(items?: number): Promise<void>;
  /**
   * Before a page's transaction (its bodies were read meanwhile): a long sync gives way again,
   * so a short one's queries do not queue behind a transaction that could wait.
   */
  beforeWrite(items?: number): Promise<void>;
  /** The sync ended (or failed): it no longer holds others back. */
  end(): void;
}

/** The process's syncs (every sync of run-sync.ts takes its turn here). */
export const pageTurns = new PageTurns();
