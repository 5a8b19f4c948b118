// Progress lines of a foreground sync, on stderr (stdout stays the report, or --json's one
// document). A terminal gets one line per stream redrawn in place; a pipe or a CI log gets a
// new line only every few seconds or every tenth of the way, so long syncs stay readable.
import type { Clock } from '../domain/clock.js';
import type { SyncOptions } from '../sync/run-sync.js';
import { estimateSecondsLeft, progressLine } from '../sync/progress-eta.js';

type ProgressEvent = Parameters<NonNullable<SyncOptions['onProgress']>>[0];

/** A pipe prints again after this long … */
const LOG_EVERY_MS = 5_000;
/** … or this many percentage points further. */
const LOG_EVERY_PERCENT = 10;

interface Printed {
  at: number;
  percent: number;
}

export interface ProgressPrinter {
  onProgress: NonNullable<SyncOptions['onProgress']>;
  /** Ends a line left open on a terminal. */
  finish(): void;
}

/**
 * `label(connectionId)` names the connection in front of each line when several are synced
 * (empty for one). `clock` runs at real speed: the rate, and so the time left, is measured with it.
 */
export function progressPrinter(
  out: { write(s: string): unknown; isTTY?: boolean },
  clock: Clock,
  label: (id: string) => string,
): ProgressPrinter {
  const printed = new Map<string, Printed>();
  let open: string | null = null; // the key of the line a terminal is redrawing
  const endLine = () => {
    if (open !== null) out.write('\n');
    open = null;
  };
  return {
    onProgress(p: ProgressEvent) {
      // An incremental sync with nothing new says nothing.
      if (p.done === 0 && (p.total ?? 0) === 0) return;
      const now = clock.now();
      const eta = estimateSecondsLeft({ done: p.done, total: p.total, startedAt: new Date(p.startedAt), now });
      const text = `${label(p.connectionId)}${progressLine(p.stream, p, eta)}`;
      const key = `${p.connectionId}/${p.stream}`;
      if (out.isTTY) {
        if (open !== key) endLine();
        out.write(`\r\x1b[2K${text}`);
        open = key;
        return;
      }
      const percent = p.total ? (p.done / p.total) * 100 : 0;
      const last = printed.get(key);
      // The end is worth a line, once (a total that grows with the listing, CalDAV's, reaches it often).
      const finished = p.total !== undefined && p.done >= p.total && (last?.percent ?? 0) < 100;
      const due =
        !last ||
        finished ||
        now.getTime() - last.at >= LOG_EVERY_MS ||
        (p.total !== undefined && percent - last.percent >= LOG_EVERY_PERCENT);
      if (!due) return;
      out.write(`${text}\n`);
      printed.set(key, { at: now.getTime(), percent });
    },
    finish: endLine,
  };
}
