// The folder LIST of a kept session (watch), reused for a short time. A push sync of INBOX
// otherwise begins with a LIST of the whole mailbox (≈ 18 ms of a 110 ms push on a 10,000-
// message INBOX) to learn what it learned a moment ago. Folders change rarely, and the cost of
// a stale list is bounded: a folder created meanwhile is first synced up to LIST_TTL_MS late
// (the poll's next sync sees it), and a folder deleted meanwhile fails its EXAMINE, after which
// the sync lists again (imap-mail-source.ts, look()).
import type { ListedFolder } from './folders.js';

/** How long a LIST answer is reused on the same session. */
export const LIST_TTL_MS = 60_000;

export class ListCache<S> {
  private kept: { session: S; at: number; folders: ListedFolder[] } | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** The list from `session`: the kept one while fresh and of this very session (reused), else a new LIST. */
  async get(session: S, list: () => Promise<ListedFolder[]>): Promise<{ folders: ListedFolder[]; reused: boolean }> {
    const k = this.kept;
    if (k && k.session === session && this.now() - k.at < LIST_TTL_MS) return { folders: k.folders, reused: true };
    const at = this.now();
    const folders = await list();
    this.kept = { session, at, folders };
    return { folders, reused: false };
  }

  /** Forget it: the next sync lists again (a sync failed, a configured folder was missing). */
  clear(): void {
    this.kept = null;
  }
}
