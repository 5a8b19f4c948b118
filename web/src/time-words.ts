// One way to show a time: in the viewer's own time zone, relative when it is recent
// ("3 h ago", "in 5 min"), with the exact UTC time on hover (title) and in <time dateTime>.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Beyond this a date reads better than "23 days ago". */
const RELATIVE_UP_TO = 7 * DAY;

/** "3 h ago", "in 5 min", "just now"; null when further than a week from now. */
export function relativeTime(at: Date, now: Date): string | null {
  const diff = now.getTime() - at.getTime();
  const abs = Math.abs(diff);
  if (abs >= RELATIVE_UP_TO) return null;
  if (abs < MINUTE) return 'just now';
  const [n, unit] =
    abs < HOUR ? [Math.round(abs / MINUTE), 'min'] : abs < DAY ? [Math.round(abs / HOUR), 'h'] : [Math.round(abs / DAY), 'd'];
  return diff > 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/** "6 Mar 2026, 17:45 CET" in the viewer's time zone (the browser's). */
export function localTime(at: Date): string {
  return at.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
}

/** "Fri, 6 Mar 2026, 16:45:00 UTC": what the hover shows, the same for every viewer. */
export function exactUtc(at: Date): string {
  return `${at.toLocaleString('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })} UTC`;
}

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g;

/** The server's words with their ISO times as the viewer reads them ("Received 6 Mar 2026, 16:45 UTC"). */
export function readableTimes(text: string): string {
  return text.replace(ISO_TIME, (iso) => localTime(new Date(iso)));
}
