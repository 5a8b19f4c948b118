// One VEVENT (a master's instance or an override) → MeetingOccurrence fields.
import ICAL from 'ical.js';
import type { MeetingOccurrence } from '../../domain/items.js';
import { instantOf, tzidOf, zoneRuleOf } from './ical-time.js';
import { attendeesOf, organizerOf } from './participants.js';

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

/** What building an occurrence needs from the expansion: the METHOD, when it was seen, where problems go. */
export interface ExpandContext {
  method: string | null;
  seenAt?: Date;
  problem: (p: string) => void;
}

export interface Timing {
  start: Date;
  end: Date;
  allDay: boolean;
  /** DTSTART's TZID as written, for display. */
  tzid?: string;
}

const DAY_MS = 86_400_000;

/** Start and end of one VEVENT as UTC instants (DTSTART was checked when parsing). */
export function timingOf(comp: Component, ctx: ExpandContext): Timing {
  const startProp = comp.getFirstProperty('dtstart')!;
  const startTime = startProp.getFirstValue() as Time;
  const rule = zoneRuleOf(startProp, startTime);
  if (rule.kind === 'unknown') {
    ctx.problem(`UID ${comp.getFirstPropertyValue('uid')}: time zone "${rule.tzid}" is unknown, times read as UTC`);
  }
  const start = instantOf(startTime, rule);
  let end: Date;
  const endProp = comp.getFirstProperty('dtend');
  if (endProp) {
    const endTime = endProp.getFirstValue() as Time;
    end = instantOf(endTime, zoneRuleOf(endProp, endTime));
  } else if (comp.hasProperty('duration')) {
    // ical.js adds DURATION on the wall clock, so "P1D" stays nominal (RFC 5545 §3.3.6).
    end = instantOf(new ICAL.Event(comp, { exceptions: [] }).endDate, rule);
  } else {
    // RFC 5545 §3.6.1: no DTEND/DURATION lasts one day for a DATE start, else no time.
    end = new Date(start.getTime() + (startTime.isDate ? DAY_MS : 0));
  }
  if (end < start) end = start;
  const timing: Timing = { start, end, allDay: startTime.isDate };
  const tzid = tzidOf(startProp);
  if (tzid) timing.tzid = tzid;
  return timing;
}

/**
 * Builds the occurrence from the instance's own component; an override falls back to its
 * master for what it does not say (Exchange exports overrides without their attendees).
 */
export function buildOccurrence(
  uid: string,
  comp: Component,
  master: Component | null,
  timing: Timing,
  recurring: boolean,
  ctx: ExpandContext,
): MeetingOccurrence {
  const fromEither = <T>(read: (c: Component) => T | null | undefined): T | undefined =>
    read(comp) ?? (master ? read(master) : undefined) ?? undefined;
  const occ: MeetingOccurrence = {
    uid,
    start: timing.start,
    end: timing.end,
    allDay: timing.allDay,
    title: fromEither((c) => text(c, 'summary')) ?? '',
    organizer: fromEither(organizerOf) ?? null,
    attendees: attendeesOf(comp.hasProperty('attendee') || !master ? comp : master),
    cancelled: false,
    recurring,
  };
  // A cancelled series cancels every instance, even an override that still says CONFIRMED.
  const cancelledAt = cancellation(comp, ctx) ?? (master ? cancellation(master, ctx) : undefined);
  if (cancelledAt !== undefined) {
    occ.cancelled = true;
    if (cancelledAt) occ.cancelledAt = cancelledAt;
  }
  const tz = timing.tzid ?? (master ? tzidOf(master.getFirstProperty('dtstart')) : undefined);
  if (tz) occ.timeZone = tz;
  const location = fromEither((c) => text(c, 'location'));
  if (location) occ.location = location;
  return occ;
}

/**
 * undefined: not cancelled. Otherwise when it became known: LAST-MODIFIED, else DTSTAMP of
 * the cancelled component, else when the sync saw it (null when not given either).
 * STATUS:CANCELLED (RFC 5545 §3.8.1.11) or a METHOD:CANCEL message (RFC 5546 §3.2.5).
 */
function cancellation(comp: Component, ctx: ExpandContext): Date | null | undefined {
  const status = String(comp.getFirstPropertyValue('status') ?? '')
    .trim()
    .toUpperCase();
  if (status !== 'CANCELLED' && ctx.method !== 'CANCEL') return undefined;
  for (const name of ['last-modified', 'dtstamp']) {
    const prop = comp.getFirstProperty(name);
    const v = prop?.getFirstValue();
    if (v instanceof ICAL.Time) return instantOf(v, zoneRuleOf(prop, v));
  }
  return ctx.seenAt ?? null;
}

function text(comp: Component, name: string): string | undefined {
  const v = comp.getFirstPropertyValue(name);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
