// ICAL.Time (wall-clock fields + the TZID of its property) → UTC instant.
//
// Which clock to trust for a TZID, in order:
//   1. a "Z" value is UTC (RFC 5545 §3.3.5 form #2; it wins even over a TZID, as Yahoo
//      sometimes writes both);
//   2. no TZID: "floating" time (form #1). We have no user zone to float into, so we read
//      it as UTC — the same choice for every occurrence, so identities stay stable;
//   3. a Windows zone id or an IANA name: Node's ICU database. Outlook's VTIMEZONE for a
//      Windows id carries only the current rule (often dated 1601), and Exchange writes
//      one-year VTIMEZONEs even for IANA names, so the database is right more often;
//   4. a VTIMEZONE from the file (RFC 5545 §3.6.5), as ical.js resolved it, for names we
//      cannot map exactly ("Eastern" from Lotus Notes, "(no TZ description)");
//   5. a tolerant guess from the name (OWA display names, "(UTC+05:30)" offsets);
//   6. otherwise UTC, and the caller reports a problem.
import ICAL from 'ical.js';
import { isIanaZone, resolveTzid, windowsToIana } from './windows-zones.js';
import { wallAsUtcMs, wallTimeToUtc, type WallTime } from './zoned-time.js';

type Time = InstanceType<typeof ICAL.Time>;
type Property = InstanceType<typeof ICAL.Property>;

export type ZoneRule =
  | { kind: 'utc' }
  | { kind: 'floating' }
  | { kind: 'iana'; name: string }
  | { kind: 'fixed'; offsetMinutes: number }
  | { kind: 'vtimezone' }
  | { kind: 'unknown'; tzid: string };

/** The TZID parameter as written, or undefined (empty TZID= counts as none). */
export function tzidOf(prop: Property | null | undefined): string | undefined {
  const raw = prop?.getParameter('tzid');
  const tzid = Array.isArray(raw) ? raw.join(',') : raw;
  return typeof tzid === 'string' && tzid.trim() !== '' ? tzid.trim() : undefined;
}

/** Decides how times of `prop` (whose parsed value is `value`) map to UTC. */
export function zoneRuleOf(prop: Property | null | undefined, value: Time): ZoneRule {
  if (value.isDate) return { kind: 'floating' };
  if (value.zone === ICAL.Timezone.utcTimezone || value.zone?.tzid === 'UTC') return { kind: 'utc' };
  const tzid = tzidOf(prop);
  if (!tzid) return { kind: 'floating' };
  const exact = windowsToIana(tzid) ?? (isIanaZone(tzid) ? tzid : undefined);
  if (exact) return { kind: 'iana', name: exact };
  if (hasFileZone(value)) return { kind: 'vtimezone' };
  const guess = resolveTzid(tzid);
  if (guess) return 'iana' in guess ? { kind: 'iana', name: guess.iana } : { kind: 'fixed', offsetMinutes: guess.offsetMinutes };
  return { kind: 'unknown', tzid };
}

/** True when ical.js found a VTIMEZONE for the value (else it falls back to "floating"). */
function hasFileZone(value: Time): boolean {
  const zone = value.zone;
  return !!zone && zone !== ICAL.Timezone.localTimezone && zone.tzid !== 'floating' && !!zone.component;
}

export function wallOf(t: Time): WallTime {
  return { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
}

/** "YYYY-MM-DD" of the wall-clock date; used to match DATE values (all-day series). */
export function dateKeyOf(t: Time): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)}`;
}

/**
 * UTC instant of `t` under `rule`. An all-day (DATE) value is 00:00 UTC of that date: an
 * all-day event has no instant of its own (RFC 5545 §3.3.4), and a fixed, zone-free
 * convention keeps "uid + start" identical on every machine and every re-parse.
 */
export function instantOf(t: Time, rule: ZoneRule): Date {
  if (t.isDate) return new Date(wallAsUtcMs({ ...wallOf(t), hour: 0, minute: 0, second: 0 }));
  switch (rule.kind) {
    case 'iana':
      return wallTimeToUtc(wallOf(t), rule.name);
    case 'fixed':
      return new Date(wallAsUtcMs(wallOf(t)) - rule.offsetMinutes * 60_000);
    case 'vtimezone': {
      // A broken VTIMEZONE (an observance without DTSTART, …) makes ical.js throw; the
      // time is then read as UTC rather than losing the event.
      let ms = Number.NaN;
      try {
        ms = t.toUnixTime() * 1000;
      } catch {
        // fall through
      }
      return new Date(Number.isFinite(ms) ? ms : wallAsUtcMs(wallOf(t)));
    }
    default:
      return new Date(wallAsUtcMs(wallOf(t)));
  }
}
