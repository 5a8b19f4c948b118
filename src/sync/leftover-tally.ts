// What several directory changes in a row left over, counted per email: a directory source's
// sync is a change per page, and an email whose addresses fall on two pages is re-read by both.
// Each email counts once, in its last state: read (re-decided) → not counted; waiting → once,
// under its latest refusal; gone → once, unavailable. Only the left-over emails' ids are kept
// (a number for their state), so memory follows what is left over, never the changes' size.
import type { EmailOutcomes, Leftovers } from './redecide.js';
import type { WaitReason } from './reload-emails.js';

/** An email's state in a page's tally: gone, read (it was left over before that page), or an index into `reasons`. */
const GONE = -1;
const READ = -2;

export class LeftoverTally implements EmailOutcomes {
  /** Email id → its last state. */
  private readonly last = new Map<string, number>();
  /** The refusals seen, each once (shared with the pages' tallies): an email keeps an index. */
  private readonly reasons: WaitReason[];
  private readonly parent: LeftoverTally | undefined;

  constructor(parent?: LeftoverTally) {
    this.parent = parent;
    this.reasons = parent ? parent.reasons : [];
  }

  /**
   * A tally for one change (a page) inside this one, merged by `commit` once the change is
   * committed: a page whose transaction fails leaves this tally as it was.
   */
  page(): LeftoverTally {
    return new LeftoverTally(this);
  }

  private leftOver(id: string): boolean {
    const s = this.last.get(id);
    if (s !== undefined) return s !== READ;
    return this.parent?.leftOver(id) ?? false;
  }

  /** Re-decided: no longer left over. Kept (as read) only where an earlier change left it over. */
  read(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.parent?.leftOver(id)) this.last.set(id, READ);
      else this.last.delete(id);
    }
  }

  waiting(emails: readonly { id: string; reason: WaitReason }[]): void {
    for (const { id, reason } of emails) this.last.set(id, this.reasonIndex(reason));
  }

  gone(ids: readonly string[]): void {
    for (const id of ids) this.last.set(id, GONE);
  }

  private reasonIndex(reason: WaitReason): number {
    const k = this.reasons.findIndex((r) => r.provider === reason.provider && r.code === reason.code);
    if (k >= 0) return k;
    this.reasons.push({ provider: reason.provider, code: reason.code });
    return this.reasons.length - 1;
  }

  /** Merges this page's states into the tally it was made from, in the order they happened. */
  commit(): void {
    const parent = this.parent;
    if (!parent) return;
    for (const [id, s] of this.last) {
      if (s === READ) parent.read([id]);
      else parent.last.set(id, s);
    }
    this.last.clear();
  }

  /** Emails this tally keeps a state for (the left-over ones; in a page's, also those it read again). */
  get size(): number {
    return this.last.size;
  }

  /** The counts, as every change reports them (`deferredBecause` in the order its refusals were first seen). */
  leftovers(): Leftovers {
    const byReason = new Array<number>(this.reasons.length).fill(0);
    let unavailable = 0;
    for (const s of this.last.values()) {
      if (s === GONE) unavailable++;
      else if (s >= 0) byReason[s]!++;
    }
    const deferredBecause = this.reasons
      .map((r, k) => ({ provider: r.provider, code: r.code, emails: byReason[k]! }))
      .filter((b) => b.emails > 0);
    return { unavailable, deferred: deferredBecause.reduce((n, b) => n + b.emails, 0), deferredBecause };
  }
}
