// Bounds how far V8 lets the old generation grow past the live heap, in the processes that
// sync (`touchpoint sync`, `watch`, `serve`, `worker`). Why: a sync's live heap stays flat (50–60 MB
// on a 100,000-message INBOX), but every page's envelopes outlive a scavenge or two and are
// promoted, so the old generation fills with garbage that waits for the next full collection.
// V8 schedules that collection at live × a factor of up to 4 on a machine with a large default
// heap limit, so the heap reached ~200 MB of mostly garbage and the process's RSS ~350 MB
// (docs/benchmarks.md, "100,000-message sync").
//
// A hard cap (--max-old-space-size) would bound it too, but the same process may hold a
// 1M-user directory (~300+ MB live): a cap sized for the sync would crash it. The growing
// factor is relative instead: the next full collection comes at live × (1 + percent/100)
// (plus V8's minimum step), whatever the live heap is, and nothing is ever refused. The cost
// is more full collections (each marks the live heap, mostly on V8's helper threads).
//
// V8 reads the flag at every full collection, so setting it once the process runs is enough;
// Node leaves flags writable after start-up (--no-freeze-flags-after-init is its default).
import { setFlagsFromString } from 'node:v8';

// A `touchpoint worker` grows to live × 2 instead: it runs several syncs at once (concurrency 4
// to 8), so each full collection's marking serves fewer messages, and at 25 % GC was a fifth of
// its CPU. Measured at concurrency 8 (bench:workers, 50 × 200 messages, docs/benchmarks.md,
// session 22): worker CPU per pass 8–25 % lower at 100 %, peak RSS 225–247 MB against 190–196;
// V8's default (no bound) saved no more CPU and reached 295 MB; 50 % saved nothing visible. The
// worker has no 300 MB budget of its own, but its bound stays relative: twice the live heap.

/** The old generation may grow to live × 1.25 before the next full collection (V8's own maximum here: 4). */
const HEAP_GROWING_PERCENT = 25;

/** A worker process's: live × 2 (see above). */
export const WORKER_HEAP_GROWING_PERCENT = 100;

/** Called by the commands that sync, before they start: see the top of this file. */
export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
