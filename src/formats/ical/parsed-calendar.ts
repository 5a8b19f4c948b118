// What parse-calendar.ts reads out of an iCalendar object, and expand-occurrences.ts expands:
// apart from both so that neither imports the other for its types.
import type ICAL from 'ical.js';

type Component = InstanceType<typeof ICAL.Component>;

/** All VEVENTs of one UID: the series master and its RECURRENCE-ID overrides. */
export interface ParsedSeries {
  uid: string;
  /** Null when the file holds only overrides (an invitation to a single instance). */
  master: Component | null;
  overrides: Component[];
}

export interface ParsedCalendar {
  /** METHOD (RFC 5546: PUBLISH, REQUEST, REPLY, CANCEL, …), upper-cased; null if absent. */
  method: string | null;
  series: ParsedSeries[];
  /** Events skipped or partly read, in plain words ("UID x: no DTSTART"). */
  problems: string[];
}
