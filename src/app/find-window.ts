// The day or range of a find query: `on` (one UTC day) or `since`/`until` (ISO instants),
// never both; each bad value is refused naming its field.
import { invalid } from './errors.js';

export interface Window {
  since?: string;
  until?: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function instant(field: string, raw: string): Date {
  const d = new Date(raw.trim());
  if (raw.trim() === '' || Number.isNaN(d.getTime()))
    throw invalid(field, `"${raw}" is not a date or time: use ISO 8601, e.g. 2026-03-06 or 2026-03-06T09:00:00Z`);
  return d;
}

export function checkedWindow(q: { on?: string; since?: string; until?: string }): Window {
  if (q.on !== undefined) {
    if (q.since !== undefined || q.until !== undefined) throw invalid('on', 'give either a day (on) or a range (since/until), not both');
    const m = DAY.exec(q.on.trim());
    const start = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
    // 2026-02-30 parses as 2 March: refuse a day the calendar does not have.
    if (!m || !start || start.getUTCDate() !== Number(m[3]) || start.getUTCMonth() !== Number(m[2]) - 1)
      throw invalid('on', `"${q.on}" is not a day: use YYYY-MM-DD, e.g. 2026-03-06`);
    return { since: start.toISOString(), until: new Date(start.getTime() + 86_400_000).toISOString() };
  }
  const since = q.since !== undefined ? instant('since', q.since) : undefined;
  const until = q.until !== undefined ? instant('until', q.until) : undefined;
  if (since && until && since >= until) throw invalid('until', `must be after since (${since.toISOString()})`);
  return { ...(since ? { since: since.toISOString() } : {}), ...(until ? { until: until.toISOString() } : {}) };
}
