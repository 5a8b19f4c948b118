// Merging the live lookup's candidates into the store's: one candidate per Message-ID (or
// calendar UID and occurrence). The store's answer wins — it is what Touchpoint decided — but
// every place the provider found it is kept, so "also in Archive/2025" is not lost.
import type { FindCandidate, FindResult } from './find-types.js';

const keyOf = (c: FindCandidate): string | undefined =>
  c.messageId ? `mid:${c.messageId.toLowerCase()}` : c.uid ? `uid:${c.uid}|${c.occurrence ?? c.date}` : undefined;

export function mergeLive(result: FindResult, live: FindCandidate[], limit: number): FindResult {
  const out = [...result.candidates];
  const byKey = new Map<string, number>();
  out.forEach((c, i) => {
    const k = keyOf(c);
    if (k) byKey.set(k, i);
  });
  for (const l of live) {
    const k = keyOf(l);
    // The live lookup's "not in any connected mailbox" summary has no key: it answers only when
    // the store has nothing either (beside stored candidates it would contradict them).
    if (k === undefined && result.candidates.length > 0) continue;
    const at = k === undefined ? undefined : byKey.get(k);
    if (at === undefined) {
      if (k) byKey.set(k, out.length);
      out.push(l);
      continue;
    }
    const stored = out[at]!;
    const where = [...stored.where];
    for (const w of l.where) {
      if (!where.some((x) => x.connection === w.connection && x.folder === w.folder)) where.push(w);
    }
    out[at] = { ...stored, where };
  }
  out.sort((a, b) => b.date.localeCompare(a.date));
  const truncated = result.truncated || out.length > limit;
  return { ...result, candidates: out.slice(0, limit), ...(truncated ? { truncated: true } : {}) };
}
