import type { Connection } from '../api.js';

// A running sync on a connection's card: "4,200 of 10,000 messages · about 1 min left" and a
// bar. The numbers and the time left in words come from the status API (progress.done / total /
// etaText, estimated on the server from the rate so far, in src/sync/progress-eta.ts's words);
// the Sync page reloads every few seconds, so both move.

const UNIT: Record<string, string> = { mail: 'messages', calendar: 'events' };
const count = (n: number) => n.toLocaleString('en-US');

/** Progress of a running sync: done of total with the time left, or the items seen so far. */
export function SyncProgress({ c }: { c: Connection }) {
  const p = c.progress;
  if (p) {
    const unit = UNIT[p.stream ?? ''] ?? 'items';
    const what = p.stream === 'calendar' ? 'Calendar' : p.stream === 'mail' ? 'Mail' : 'Sync';
    if (p.total === undefined) {
      // Microsoft 365 and Google calendars do not say how many there are: the count only, no bar.
      return (
        <p role="status" className="progress">
          {what}: syncing… {count(p.done)} {unit} read so far
        </p>
      );
    }
    const words = `${count(p.done)} of ${p.approximate ? 'about ' : ''}${count(p.total)} ${unit}${p.etaText ? ` · ${p.etaText}` : ''}`;
    const percent = p.total > 0 ? Math.min(100, Math.round((p.done / p.total) * 100)) : 100;
    return (
      <div className="progress">
        <p role="status">
          {what}: {words}
        </p>
        <div
          className="bar"
          role="progressbar"
          aria-label={`${what} sync progress`}
          aria-valuemin={0}
          aria-valuemax={p.total}
          aria-valuenow={Math.min(p.done, p.total)}
          aria-valuetext={words}
        >
          <div className="fill" style={{ width: `${percent}%` }} />
        </div>
      </div>
    );
  }
  if (c.status === 'active' && !c.lastSuccessAt) {
    const seen = c.counts.email.seen + c.counts.meeting.seen;
    return (
      <p role="status" className="progress">
        First sync in progress… {seen} item(s) seen so far.
      </p>
    );
  }
  return null;
}
