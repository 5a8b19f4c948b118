// Wall-clock time in an IANA zone → UTC instant, using Node's ICU (Intl) because ical.js
// carries no time-zone database of its own.

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    // "longOffset" prints just the offset ("GMT+11:00"): several times cheaper than
    // formatting every field with formatToParts, and this runs for every occurrence.
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at instant `ms`, in milliseconds (east positive). */
export function zoneOffsetMs(zone: string, ms: number): number {
  const m = /GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?\s*$/.exec(formatterFor(zone).format(new Date(ms)));
  if (!m?.[1]) return 0; // plain "GMT"
  const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return (m[1] === '-' ? -seconds : seconds) * 1000;
}

/** The wall time read as if it were UTC. */
export function wallAsUtcMs(t: WallTime): number {
  const d = new Date(0);
  // setUTCFullYear avoids Date.UTC's "years 0–99 mean 1900–1999" rule.
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, 0);
  return d.getTime();
}

/**
 * The UTC instant of a wall-clock time in `zone`, following RFC 5545 §3.3.5: a time that
 * occurs twice (the hour repeated when DST ends) means the first of the two; a time that
 * does not exist (skipped when DST starts) is read with the offset in force before the gap.
 */
export function wallTimeToUtc(t: WallTime, zone: string): Date {
  const local = wallAsUtcMs(t);
  // Offsets a day either side cover any single transition near this time.
  const before = zoneOffsetMs(zone, local - 86_400_000);
  const after = zoneOffsetMs(zone, local + 86_400_000);
  if (before === after) return new Date(local - before); // no transition nearby
  const valid = [before, after].map((off) => local - off).filter((ms) => local - zoneOffsetMs(zone, ms) === ms);
  if (valid.length) return new Date(Math.min(...valid));
  return new Date(local - before); // in the gap
}
