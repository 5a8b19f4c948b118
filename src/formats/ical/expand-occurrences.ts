// ParsedCalendar → MeetingOccurrence[] inside a time window.
//
// The recurrence set (RRULE + RDATE − EXDATE, RFC 5545 §3.8.5) comes from ical.js's
// iterator. Overrides are matched to generated instances by their UTC instant (or by date
// for all-day series) rather than by ical.js's string ids, because real files mix zones:
// Google writes RECURRENCE-ID in UTC for a series in Europe/Berlin, and Exchange writes a
// timed RECURRENCE-ID for an instance of an all-day series.
import ICAL from 'ical.js';
import type { Attendee, MeetingOccurrence } from '../../domain/items.js';
import { dateKeyOf, instantOf, zoneRuleOf, type ZoneRule } from './ical-time.js';
import { buildOccurrence, timingOf, type ExpandContext } from './occurrence.js';
import { BUILD_BUDGET, takePrimedIterator, withCandidateBudget } from './recur-guard.js';
import type { ParsedCalendar, ParsedSeries } from './parsed-calendar.js';

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

export interface ExpandOptions {
  /** Most occurrences returned per series (default 2000). */
  maxPerSeries?: number;
  /**
   * Most recurrence steps walked per series (default 20000, roughly 55 years of a daily
   * series), and 5× that in candidate times tried inside ical.js. Bounds the time a
   * FREQ=SECONDLY rule, an impossible rule or a rule starting in 1970 can take.
   */
  maxSteps?: number;
  /** When the sync saw this object: cancelledAt when the file gives no LAST-MODIFIED/DTSTAMP. */
  seenAt?: Date;
  /** Receives expansion problems in plain words (a rule cut short, a zone we do not know). */
  onProblem?: (problem: string) => void;
}

/**
 * Every occurrence whose start lies in [window.from, window.to), sorted by start.
 * Occurrences are judged on their own start (M2, M3), so that is what the window selects.
 */
export function expandOccurrences(parsed: ParsedCalendar, window: { from: Date; to: Date }, opts: ExpandOptions = {}): MeetingOccurrence[] {
  const ctx: ExpandContext = { method: parsed.method, seenAt: opts.seenAt, problem: opts.onProblem ?? (() => {}) };
  const limits = { maxPerSeries: opts.maxPerSeries ?? 2000, maxSteps: opts.maxSteps ?? 20_000 };
  const out: MeetingOccurrence[] = [];
  for (const series of parsed.series) {
    let found: MeetingOccurrence[];
    try {
      found = expandSeries(series, window.from.getTime(), window.to.getTime(), limits, ctx);
    } catch (err) {
      // One series ical.js chokes on (a broken VTIMEZONE, …) must not lose the others.
      ctx.problem(`UID ${series.uid}: cannot be expanded (${(err as Error).message})`);
      continue;
    }
    if (found.length > limits.maxPerSeries) {
      ctx.problem(`UID ${series.uid}: more than ${limits.maxPerSeries} occurrences in the window, kept the first ${limits.maxPerSeries}`);
    }
    out.push(...found.sort(byStart).slice(0, limits.maxPerSeries));
  }
  return out.sort(byStart);
}

/**
 * The series' template at another start and end. Each occurrence owns its nested objects,
 * as when each was built on its own, so a change to one never shows in another.
 */
function instanceOf(template: MeetingOccurrence, start: Date, end: Date): MeetingOccurrence {
  const occ: MeetingOccurrence = {
    ...template,
    start,
    end,
    organizer: template.organizer && { ...template.organizer },
    attendees: template.attendees.map((a): Attendee => ({ ...a })),
  };
  if (template.organizerAlso) occ.organizerAlso = [...template.organizerAlso];
  if (template.cancelledAt) occ.cancelledAt = new Date(template.cancelledAt.getTime());
  return occ;
}

function byStart(a: MeetingOccurrence, b: MeetingOccurrence): number {
  return a.start.getTime() - b.start.getTime() || a.uid.localeCompare(b.uid);
}

function expandSeries(
  s: ParsedSeries,
  from: number,
  to: number,
  limits: { maxPerSeries: number; maxSteps: number },
  ctx: ExpandContext,
): MeetingOccurrence[] {
  const out: MeetingOccurrence[] = [];
  const inWindow = (ms: number) => ms >= from && ms < to;
  const recurring = s.overrides.length > 0 || (!!s.master && (s.master.hasProperty('rrule') || s.master.hasProperty('rdate')));

  // Overrides are explicit instances: each one counts at its own (possibly moved) start,
  // whether or not its original slot is inside the window.
  for (const o of s.overrides) {
    const timing = timingOf(o, ctx);
    if (inWindow(timing.start.getTime())) out.push(buildOccurrence(s.uid, o, s.master, timing, true, ctx));
  }
  if (!s.master) return out;

  const master = s.master;
  const masterTiming = timingOf(master, ctx);
  const durationMs = masterTiming.end.getTime() - masterTiming.start.getTime();
  const startProp = master.getFirstProperty('dtstart');
  const rule = zoneRuleOf(startProp, startProp!.getFirstValue() as Time);
  const replaced = overrideKeys(s.overrides, masterTiming.allDay);
  const excluded = exdateKeys(master);
  const seen = new Set<number>();
  let steps = 0;
  let emitted = 0;
  let template: MeetingOccurrence | undefined;
  try {
    const it = iteratorOf(master, limits.maxSteps * 5);
    boundInnerLoops(it, limits.maxSteps * 5, new Date(to).getUTCFullYear() + 1);
    for (let next = it.next(); next; next = it.next()) {
      if (++steps > limits.maxSteps) {
        ctx.problem(`UID ${s.uid}: stopped expanding the recurrence after ${limits.maxSteps} steps`);
        break;
      }
      // An RDATE may be a PERIOD (start/end) instead of a date (RFC 5545 §3.8.5.2).
      const isPeriod = next instanceof ICAL.Period;
      const t: Time = isPeriod ? (next as unknown as InstanceType<typeof ICAL.Period>).start : next;
      const start = instantOf(t, rule).getTime();
      if (start >= to) break; // the iterator is chronological
      if (seen.has(start)) continue; // RRULE and RDATE may produce the same instance once
      seen.add(start);
      if (!inWindow(start) || isExcluded(t, start, excluded, masterTiming.allDay)) continue;
      if (replaced.has(keyOf(t, start, masterTiming.allDay))) continue;
      let end = start + durationMs;
      if (isPeriod) end = periodEnd(next as unknown as InstanceType<typeof ICAL.Period>, rule) ?? end;
      // Every instance of the master says the same but its start and end: read the master's
      // properties once per series (re-reading attendees, organizer, summary from ical.js for
      // each of a series' dozens of instances was a tenth of a first sync), then copy. The
      // spread keeps the fields in the same order, so the stored JSON is the same bytes.
      template ??= buildOccurrence(s.uid, master, null, masterTiming, recurring, ctx);
      out.push(instanceOf(template, new Date(start), new Date(Math.max(end, start))));
      // One more than the cap lets the caller tell "exactly the cap" from "cut off".
      if (++emitted > limits.maxPerSeries) break;
    }
  } catch (err) {
    ctx.problem(`UID ${s.uid}: the recurrence rule stopped early (${(err as Error).message})`);
  }
  return out;
}

type Expansion = ReturnType<InstanceType<typeof ICAL.Event>['iterator']>;

/**
 * The master's recurrence iterator. An event that does not repeat yields its DTSTART once
 * (what ical.js's RecurExpansion does for a component without RRULE, RDATE or
 * RECURRENCE-ID), without building an expansion for each of a calendar's many single
 * events. A repeating one takes the iterator parsing built to check its RRULE when it was
 * built with the same budget, else builds one.
 */
function iteratorOf(master: Component, budget: number): Pick<Expansion, 'next'> {
  const primed = takePrimedIterator(master) as Expansion | undefined;
  if (!master.hasProperty('rrule') && !master.hasProperty('rdate') && !master.hasProperty('recurrence-id')) {
    let start: Time | undefined = (master.getFirstPropertyValue('dtstart') as Time).clone();
    return {
      next: () => {
        const t = start;
        start = undefined;
        return t as Time;
      },
    };
  }
  if (primed && budget === BUILD_BUDGET) return primed;
  return withCandidateBudget(budget, () => new ICAL.Event(master, { exceptions: [] }).iterator());
}

/**
 * ical.js's RecurIterator.next() loops internally until a candidate passes the BYxxx
 * parts; for an impossible rule at a sub-daily frequency (FREQ=SECONDLY;BYMONTH=2;
 * BYMONTHDAY=30) that loop never returns, so our step cap alone cannot stop it. Each
 * inner candidate calls check_contracting_rules(), so we count those calls on this
 * expansion's own iterators (no global patch) and throw once the budget is spent.
 * A candidate past the window's end (stopYear) ends the rule there: nothing later can be
 * logged, and with a large INTERVAL each candidate is years further and slower to compute
 * (FREQ=DAILY;INTERVAL=681;BYDAY=53SU took seconds, found by test/fuzz/ics.test.ts). The
 * candidate is returned, not thrown, so RDATEs before it still come out in order.
 * `ruleIterators` is private in ical.js's types, hence the cast.
 */
function boundInnerLoops(expansion: object, budget: number, stopYear: number): void {
  const iterators = (expansion as { ruleIterators?: unknown }).ruleIterators;
  if (!Array.isArray(iterators)) return;
  let spent = 0;
  type Iter = { check_contracting_rules?: () => boolean; last?: { year: number }; completed?: boolean };
  for (const iter of iterators as Iter[]) {
    const check = iter.check_contracting_rules;
    if (typeof check !== 'function') continue;
    iter.check_contracting_rules = function guarded(this: Iter) {
      if (++spent > budget) throw new Error(`gave up after ${budget} candidate times (the rule may be impossible)`);
      if (this.last && this.last.year > stopYear) {
        this.completed = true;
        return true;
      }
      return check.call(this);
    };
  }
}

/** Keys of the instances the overrides replace: UTC ms, or the date for all-day series. */
function overrideKeys(overrides: Component[], allDay: boolean): Set<string> {
  const keys = new Set<string>();
  for (const o of overrides) {
    const prop = o.getFirstProperty('recurrence-id');
    const rid = prop?.getFirstValue() as Time | undefined;
    if (!rid) continue;
    keys.add(keyOf(rid, instantOf(rid, zoneRuleOf(prop, rid)).getTime(), allDay || rid.isDate));
    if (rid.isDate) keys.add(`D${dateKeyOf(rid)}`); // DATE id for a timed series: the whole day
  }
  return keys;
}

function keyOf(t: Time, ms: number, byDate: boolean): string {
  return byDate ? `D${dateKeyOf(t)}` : `T${ms}`;
}

/**
 * Our own EXDATE check on top of ical.js's: ical.js compares in its own zone handling, so
 * an EXDATE written in another zone than DTSTART (UTC vs. a Windows TZID) would slip
 * through. A DATE-valued EXDATE removes that whole day (as ical.js does); for an all-day
 * series a timed EXDATE removes the day of its wall-clock date (Exchange writes those).
 */
interface Exclusions {
  instants: Set<number>;
  dates: Set<string>;
  wallDates: Set<string>;
}

function exdateKeys(master: Component): Exclusions {
  const ex: Exclusions = { instants: new Set(), dates: new Set(), wallDates: new Set() };
  for (const prop of master.getAllProperties('exdate')) {
    for (const v of prop.getValues() as Time[]) {
      if (!(v instanceof ICAL.Time)) continue;
      if (v.isDate) ex.dates.add(dateKeyOf(v));
      else {
        ex.instants.add(instantOf(v, zoneRuleOf(prop, v)).getTime());
        ex.wallDates.add(dateKeyOf(v));
      }
    }
  }
  return ex;
}

function isExcluded(t: Time, ms: number, ex: Exclusions, allDay: boolean): boolean {
  const day = dateKeyOf(t);
  return ex.instants.has(ms) || ex.dates.has(day) || (allDay && ex.wallDates.has(day));
}

function periodEnd(p: InstanceType<typeof ICAL.Period>, rule: ZoneRule): number | undefined {
  try {
    return instantOf(p.getEnd(), rule).getTime();
  } catch {
    return undefined;
  }
}
