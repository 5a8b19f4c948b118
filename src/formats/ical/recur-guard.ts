// A budget for ical.js's inner candidate loop while a recurrence iterator is BUILT.
//
// RecurExpansion's constructor primes each rule iterator with one next(), and next() loops
// until a candidate passes the BYxxx parts. For an impossible rule whose first candidate
// falls before DTSTART (FREQ=DAILY;BYHOUR=12;BYMONTH=10;BYMONTHDAY=-31;BYSETPOS=227 with a
// 15:00 start, found by test/fuzz/ics.test.ts) that loop never ends — before
// expand-occurrences.ts can bound the iterator's own loops. The prototype is wrapped once;
// the wrapper counts only inside withCandidateBudget (code here is synchronous, so the
// budget cannot leak into another caller), and otherwise calls straight through.
// Separately, init() searches a YEARLY rule's first year with a match up to the year 20000,
// each year a whole-year expansion (~0.2 ms): seconds for a rule whose BYSETPOS never fits.
// Years searched inside init() are capped much lower, always (VTIMEZONE observances find
// their match in their first year; their later years are walked by next(), not counted).
import ICAL from 'ical.js';

type Rule = { freq?: string; interval?: number; count?: number | null };
type Candidate = { last?: { year: number }; dtstart?: { year: number } };
type Check = (this: Candidate) => boolean;

/** How far past DTSTART a rule's first occurrence is searched while it is built. */
const MAX_YEARS_AHEAD = 1000;

/** Years init() searches for a YEARLY rule's first match: the Gregorian calendar repeats
 * every 400 years, so a rule with no match in 400 years has none at all. */
const MAX_YEARS = 400;

let remaining = Number.POSITIVE_INFINITY;
let limit = 0;
const proto = ICAL.RecurIterator.prototype as unknown as {
  check_contracting_rules: Check;
  expand_year_days: (this: unknown, year: number) => unknown;
  init: (this: { rule?: Rule }) => void;
};

const originalCheck = proto.check_contracting_rules;
proto.check_contracting_rules = function budgeted(this: Candidate): boolean {
  if (remaining !== Number.POSITIVE_INFINITY) {
    if (--remaining < 0) throw new Error(`gave up after ${limit} candidate times (the rule may be impossible)`);
    // A large INTERVAL walks years per candidate, each slower to compute than the last.
    if (this.last && this.dtstart && this.last.year > this.dtstart.year + MAX_YEARS_AHEAD) {
      throw new Error(`no occurrence within ${MAX_YEARS_AHEAD} years of its start (the rule may be impossible)`);
    }
  }
  return originalCheck.call(this);
};
// One step of a rule is walked a day (or a second) at a time by ical.js's increment_*
// helpers: FREQ=WEEKLY;INTERVAL=1000008200 is seven billion day increments inside a single
// next(), which nothing can interrupt (it hung `npm test` in CI, found by the ICS fuzzer). A
// rule whose one step is more than MAX_YEARS_AHEAD away has no second occurrence any sync
// could log: it keeps its first (DTSTART) and stops, and a step's walk stays under ~370k days.
const STEP_SECONDS: Record<string, number> = {
  SECONDLY: 1,
  MINUTELY: 60,
  HOURLY: 3600,
  DAILY: 86_400,
  WEEKLY: 604_800,
  MONTHLY: 2_629_746,
  YEARLY: 31_556_952,
};
const MAX_STEP_SECONDS = MAX_YEARS_AHEAD * STEP_SECONDS.YEARLY!;

let yearsLeft = Number.POSITIVE_INFINITY;
const originalInit = proto.init;
proto.init = function cappedInit(this: { rule?: Rule }): void {
  const r = this.rule;
  if (r?.freq && typeof r.interval === 'number' && r.interval * (STEP_SECONDS[r.freq] ?? 1) > MAX_STEP_SECONDS) r.count = 1;
  const saved = yearsLeft;
  yearsLeft = MAX_YEARS;
  try {
    originalInit.call(this);
  } finally {
    yearsLeft = saved;
  }
};
const originalYear = proto.expand_year_days;
proto.expand_year_days = function countedYear(this: unknown, year: number): unknown {
  if (--yearsLeft < 0) throw new Error(`no match in ${MAX_YEARS} years (the rule may be impossible)`);
  return originalYear.call(this, year);
};

export function withCandidateBudget<T>(budget: number, build: () => T): T {
  const saved = [remaining, limit] as const;
  remaining = budget;
  limit = budget;
  try {
    return build();
  } finally {
    [remaining, limit] = saved;
  }
}

/** The candidate budget a recurrence iterator is built with, when parsing checks the RRULE and when expanding. */
export const BUILD_BUDGET = 100_000;

/**
 * Iterators parse-calendar.ts built to check a VEVENT's RRULE, by component, not yet walked:
 * expanding that component takes its iterator instead of building the same one again (with
 * the same budget, from the same unchanged component). Taken at most once.
 */
const primed = new WeakMap<object, unknown>();

export function keepPrimedIterator(component: object, iterator: unknown): void {
  primed.set(component, iterator);
}

export function takePrimedIterator(component: object): unknown {
  const it = primed.get(component);
  primed.delete(component);
  return it;
}
