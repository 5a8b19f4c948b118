// The scan window of one folder as a sync's survey reads it: how many messages the server holds
// in it (the completeness count) and, on demand, the UIDs above the cursor. With ESEARCH
// (RFC 4731) one `UID SEARCH RETURN (COUNT ALL) SINCE …` answers both in a few bytes: ALL is a
// compact sequence set ("1:10000"), so a push into a 10,000-message INBOX no longer receives,
// parses and filters 10,000 numbers to find the one new UID.

export interface UidWindow {
  /** Messages in the window at the server. */
  count: number;
  /** The window's UIDs above `after`, ascending, without duplicates. */
  above(after: number): number[];
}

/** A window from a plain SEARCH answer (a server without ESEARCH). */
export function listWindow(uids: readonly number[]): UidWindow {
  return {
    count: uids.length,
    above: (after) => [...new Set(uids.filter((u) => u > after))].sort((a, b) => a - b),
  };
}

/**
 * A window from ESEARCH's COUNT and ALL (a sequence set; absent when nothing matched). Null when
 * the set is malformed or does not hold exactly `count` UIDs: the caller then asks plainly,
 * so the count the completeness check compares with is never one we could not verify.
 */
export function setWindow(set: string | undefined, count: number): UidWindow | null {
  const ranges: [number, number][] = [];
  let size = 0;
  for (const part of set ? set.split(',') : []) {
    const m = /^(\d+)(?::(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (lo < 1 || !Number.isSafeInteger(hi)) return null;
    ranges.push([lo, hi]);
    size += hi - lo + 1;
  }
  if (size !== count) return null;
  return {
    count,
    above: (after) => {
      const out = new Set<number>();
      for (const [lo, hi] of ranges) for (let u = Math.max(lo, after + 1); u <= hi; u++) out.add(u);
      return [...out].sort((x, y) => x - y);
    },
  };
}
