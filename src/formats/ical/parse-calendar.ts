// One iCalendar object (an .ics file or CalDAV resource) → its events grouped by UID.
// Expansion into occurrences lives in expand-occurrences.ts.
//
// VTIMEZONEs are deliberately NOT registered in ICAL.TimezoneService: that registry is
// process-wide, so one file's definition of "Eastern Standard Time" would silently apply
// to the next file that lacks one. ical.js 2.x already resolves a TZID against the
// VTIMEZONEs of the same VCALENDAR (Component#getTimeZoneByID), which is what we want.
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import type { ParsedCalendar, ParsedSeries } from './parsed-calendar.js';
import { BUILD_BUDGET, keepPrimedIterator, withCandidateBudget } from './recur-guard.js';
import { repairIcs } from './repair-ics.js';
import { salvageEvents } from './salvage.js';

type Component = InstanceType<typeof ICAL.Component>;

/** The input is not a usable iCalendar object; `reason` says why in plain words. */
export class MalformedCalendarError extends Error {
  constructor(readonly reason: string) {
    super(`not a readable calendar: ${reason}`);
    this.name = 'MalformedCalendarError';
  }
}

export function parseCalendarObject(ics: string): ParsedCalendar {
  const text = ics.replace(/^\uFEFF/, '');
  const first = firstContentLine(text);
  if (!first) throw new MalformedCalendarError('the file is empty');
  if (!/^BEGIN:(VCALENDAR|VEVENT)\s*$/i.test(first.text)) {
    throw new MalformedCalendarError(`line ${first.no}: not an iCalendar file (it does not start with BEGIN:VCALENDAR)`);
  }
  const problems: string[] = [];
  const repaired = repairIcs(text);
  let roots: Component[];
  try {
    roots = rootsOf(ICAL.parse(repaired));
  } catch (err) {
    const fail = (reason: string): never => {
      throw new MalformedCalendarError(reason);
    };
    roots = salvageEvents(repaired, text, problems, fail, err);
  }
  for (const root of roots) dropRunawayTimezones(root, problems);
  const method = roots.map((r) => r.getFirstPropertyValue('method')).find((m) => typeof m === 'string');
  const byUid = new Map<string, ParsedSeries>();
  const vevents = roots.flatMap((r) => r.getAllSubcomponents('vevent'));

  for (const [i, ev] of vevents.entries()) {
    const uidValue = ev.getFirstPropertyValue('uid');
    let uid = typeof uidValue === 'string' ? uidValue.trim() : '';
    const label = uid ? `UID ${uid}` : `VEVENT #${i + 1}${summaryHint(ev)}`;
    // RFC 5545 §3.6.1: DTSTART is required unless METHOD is set, but an event without a
    // start cannot be placed on a timeline either way.
    const why = unreadable(ev);
    if (why) {
      problems.push(`${label}: ${why}, skipped`);
      continue;
    }
    if (!uid) {
      // UID is required too, yet OWA's exports omit it. A hash of what identifies the
      // event keeps re-imports of the same file stable.
      uid = syntheticUid(ev);
      problems.push(`${label}: no UID, identified as ${uid}`);
    }
    let series = byUid.get(uid);
    if (!series) {
      series = { uid, master: null, overrides: [] };
      byUid.set(uid, series);
    }
    if (!ev.hasProperty('recurrence-id')) {
      if (series.master) problems.push(`${label}: two VEVENTs without RECURRENCE-ID, kept the newer SEQUENCE`);
      series.master = newer(series.master, ev);
      continue;
    }
    const rid = String(ev.getFirstPropertyValue('recurrence-id'));
    const same = series.overrides.findIndex((o) => String(o.getFirstPropertyValue('recurrence-id')) === rid);
    if (same < 0) series.overrides.push(ev);
    else {
      problems.push(`${label}: two overrides for RECURRENCE-ID ${rid}, kept the newer SEQUENCE`);
      series.overrides[same] = newer(series.overrides[same]!, ev);
    }
  }

  if (byUid.size === 0) {
    const others = [...new Set(roots.flatMap((r) => r.getAllSubcomponents().map((c) => c.name.toUpperCase())))];
    const holds = vevents.length
      ? problems.join('; ')
      : `the file holds ${others.filter((n) => n !== 'VTIMEZONE').join(', ') || 'no components'}`;
    throw new MalformedCalendarError(`no VEVENT with a UID and DTSTART (${holds})`);
  }
  return { method: typeof method === 'string' ? method.toUpperCase() : null, series: [...byUid.values()], problems };
}

/** True when any series repeats (RRULE/RDATE) or is an instance of a repeating one. */
export function hasRecurrence(parsed: ParsedCalendar): boolean {
  return parsed.series.some(
    (s) => s.overrides.length > 0 || (!!s.master && (s.master.hasProperty('rrule') || s.master.hasProperty('rdate'))),
  );
}

/** Reads every value expansion will need, so a bad one is reported here, per event. */
function unreadable(ev: Component): string | null {
  const check = (what: string, read: () => unknown): string | null => {
    try {
      read();
      return null;
    } catch (err) {
      return `${what} cannot be read (${(err as Error).message})`;
    }
  };
  const start = ev.getFirstProperty('dtstart');
  if (!start) return 'no DTSTART';
  const isTime = (v: unknown) => {
    if (!(v instanceof ICAL.Time)) throw new Error('not a date');
  };
  return (
    check('DTSTART', () => isTime(start.getFirstValue())) ??
    check('DTEND', () => ev.getFirstProperty('dtend') && isTime(ev.getFirstPropertyValue('dtend'))) ??
    check('DURATION', () => ev.getFirstPropertyValue('duration')) ??
    check('RECURRENCE-ID', () => ev.hasProperty('recurrence-id') && isTime(ev.getFirstPropertyValue('recurrence-id'))) ??
    check('EXDATE', () => {
      for (const p of ev.getAllProperties('exdate')) p.getValues();
    }) ??
    check('RDATE', () => {
      for (const p of ev.getAllProperties('rdate')) p.getValues();
    }) ??
    // Building the iterator validates the RRULE parts (BYDAY, BYMONTHDAY, …).
    check('RRULE', () => {
      if (!ev.hasProperty('rrule')) return;
      const it = withCandidateBudget(BUILD_BUDGET, () => new ICAL.Event(ev, { exceptions: [] }).iterator());
      keepPrimedIterator(ev, it);
    })
  );
}

/**
 * Real VTIMEZONE observances repeat yearly. ical.js expands an observance rule from its
 * DTSTART (often 1601) up to the date asked about, so a FREQ=DAILY or SECONDLY rule there
 * would cost millions of steps on the first time conversion. Such a VTIMEZONE is dropped
 * and its TZID resolved by name (ical-time.ts).
 */
function dropRunawayTimezones(root: Component, problems: string[]): void {
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    let unreadableRule = false;
    const runaway = vtz.getAllSubcomponents().some((obs) =>
      obs.getAllProperties('rrule').some((p) => {
        let freq: string | undefined;
        try {
          freq = (p.getFirstValue() as { freq?: string } | null)?.freq;
        } catch {
          // ical.js parses a rule's value on first read and throws on e.g. "UNTIL=garbage"
          // (found by test/fuzz/ics.test.ts): a zone it cannot read is no better than none.
          unreadableRule = true;
          return true;
        }
        return freq !== 'YEARLY';
      }),
    );
    if (runaway) {
      root.removeSubcomponent(vtz);
      const why = unreadableRule ? 'one of its rules cannot be read' : 'its rules do not repeat yearly';
      problems.push(`VTIMEZONE ${tzidText(vtz)}: ${why}, ignored`);
    }
  }
}

function tzidText(vtz: Component): string {
  try {
    return String(vtz.getFirstPropertyValue('tzid') ?? '');
  } catch {
    return '(unreadable TZID)';
  }
}

/** RFC 5545 §3.8.7.4: the higher SEQUENCE is the newer revision; ties go to the later one. */
function newer(a: Component | null, b: Component): Component {
  if (!a) return b;
  const seq = (c: Component) => Number(c.getFirstPropertyValue('sequence') ?? 0) || 0;
  return seq(b) >= seq(a) ? b : a;
}

function syntheticUid(ev: Component): string {
  const raw = (name: string) => ev.getFirstProperty(name)?.toICALString() ?? '';
  const key = ['dtstart', 'recurrence-id', 'summary', 'organizer', 'location'].map(raw).join('\n');
  return `no-uid-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

function summaryHint(ev: Component): string {
  const s = ev.getFirstPropertyValue('summary');
  return typeof s === 'string' && s ? ` ("${s.slice(0, 40)}")` : '';
}

/** ICAL.parse returns one jCal component or an array of them; bare VEVENTs get a wrapper. */
function rootsOf(jcal: unknown): Component[] {
  const list = Array.isArray(jcal) && typeof jcal[0] === 'string' ? [jcal] : (jcal as unknown[]);
  const roots: Component[] = [];
  for (const j of list) {
    if (!Array.isArray(j)) continue;
    if (j[0] === 'vcalendar') roots.push(new ICAL.Component(j));
    // A VEVENT pasted without its VCALENDAR (seen from mail clients).
    else if (j[0] === 'vevent') roots.push(new ICAL.Component(['vcalendar', [], [j]]));
  }
  return roots;
}

function firstContentLine(text: string): { no: number; text: string } | null {
  const lines = text.split(/\r\n|\n|\r/);
  const i = lines.findIndex((l) => l.trim() !== '');
  return i < 0 ? null : { no: i + 1, text: lines[i]!.trim() };
}

// Expansion is a separate file to keep each small; callers import both from here.
export { expandOccurrences } from './expand-occurrences.js';
