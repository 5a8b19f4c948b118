// Date parsing for mail headers (Date:, the date stamp of Received:).
//
// We do not hand the raw header to `new Date()` directly: V8's fallback parser accepts
// almost anything ("hello 12" becomes 2001-12-01) and reads a date without a zone in the
// process's local zone, so the same message would get a different time on another machine.
// We only accept the RFC 5322 §3.3 shape (or ISO 8601, which some tools write) and pin
// the zone before letting V8 do the arithmetic.

const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
/** day month year hour:minute — the core of RFC 5322 date-time (day-of-week optional). */
const RFC5322_SHAPE = new RegExp(`\\b\\d{1,2}\\s+(${MONTHS})[a-z]*\\.?\\s+\\d{2,4}\\s+\\d{1,2}:\\d{2}`, 'i');
const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
/** Zones V8 understands; RFC 5322 §4.3 lists the same obsolete North American ones. */
const KNOWN_ALPHA_ZONES = new Set(['UT', 'UTC', 'GMT', 'Z', 'EST', 'EDT', 'CST', 'CDT', 'MST', 'MDT', 'PST', 'PDT']);

/** Parses an RFC 5322 date-time; null when the value is missing or not a date. */
export function parseMailDate(value: string | undefined | null): Date | null {
  if (!value) return null;
  // Comments such as "(PDT)" or "(Newfoundland Time)" carry no meaning (RFC 5322 §3.2.2).
  let s = stripComments(value).replace(/\s+/g, ' ').trim();
  if (ISO_SHAPE.test(s)) {
    if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) s += 'Z';
  } else if (RFC5322_SHAPE.test(s)) {
    const alpha = /\s([A-Za-z]{1,5})$/.exec(s);
    if (alpha && !KNOWN_ALPHA_ZONES.has(alpha[1]!.toUpperCase())) {
      // RFC 5322 §4.3: an unknown alphabetic zone "SHOULD be considered equivalent to -0000".
      s = `${s.slice(0, alpha.index)} +0000`;
    } else if (!alpha && !/[+-]\d{4}$/.test(s)) {
      // No zone at all: treat as UTC rather than as this machine's local time.
      s += ' +0000';
    }
  } else {
    return null;
  }
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The date stamp of a Received: header is what follows its last ";" (RFC 5321 §4.4). */
export function parseReceivedDate(received: string): Date | null {
  const i = received.lastIndexOf(';');
  return i < 0 ? null : parseMailDate(received.slice(i + 1));
}

/** Removes (possibly nested) RFC 5322 comments, respecting backslash escapes. */
export function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  let inQuotes = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      if (depth === 0) out += c + s[i + 1];
      i++;
    } else if (c === '"' && depth === 0) {
      inQuotes = !inQuotes;
      out += c;
    } else if (c === '(' && !inQuotes) {
      depth++;
    } else if (c === ')' && !inQuotes && depth > 0) {
      depth--;
    } else if (depth === 0) {
      out += c;
    }
  }
  return out;
}
