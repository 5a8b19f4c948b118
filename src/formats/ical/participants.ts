// ORGANIZER / ATTENDEE properties → Address / Attendee (RFC 5545 §3.8.4.1, §3.8.4.3).
import type ICAL from 'ical.js';
import type { Address, Attendee, PartStat } from '../../domain/items.js';

type Component = InstanceType<typeof ICAL.Component>;
type Property = InstanceType<typeof ICAL.Property>;

const PARTSTATS: ReadonlySet<string> = new Set(['ACCEPTED', 'DECLINED', 'TENTATIVE', 'NEEDS-ACTION', 'DELEGATED']);

/**
 * A CAL-ADDRESS is a URI (RFC 5545 §3.3.3). Clients write "mailto:", "MAILTO:" (Outlook,
 * Exchange) and, after careless line folding, spaces inside the address; anything that is
 * not a mail address after that ("invalid:nomail" for Google contacts, urn:uuid:…) cannot
 * match an end user and is dropped.
 */
export function calAddress(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const a = value.replace(/^\s*mailto:/i, '').replace(/\s+/g, '');
  const at = a.lastIndexOf('@');
  return at > 0 && at < a.length - 1 && !a.includes(':') ? a : null;
}

function param(prop: Property, name: string): string | undefined {
  const v = prop.getParameter(name);
  // CN is a single value: a quoted "Last, First" must stay whole (RFC 5545 §3.2.2).
  const s = Array.isArray(v) ? v.join(',') : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

function named(address: string, cn: string | undefined): Address {
  // Some clients quote the address itself as the name (CN="'a@b.c'"); keep it anyway.
  return cn ? { address, name: cn } : { address };
}

export function organizerOf(comp: Component): Address | null {
  const prop = comp.getFirstProperty('organizer');
  if (!prop) return null;
  // SENT-BY is a delegate acting for the organizer; the organizer is still the value.
  const address = calAddress(prop.getFirstValue());
  return address ? named(address, param(prop, 'cn')) : null;
}

/** RFC 5545 §3.2.12: PARTSTAT defaults to NEEDS-ACTION; values we do not know are OTHER. */
export function partStatOf(raw: string | undefined): PartStat {
  if (!raw) return 'NEEDS-ACTION';
  const v = raw.toUpperCase();
  return PARTSTATS.has(v) ? (v as PartStat) : 'OTHER';
}

export function attendeesOf(comp: Component): Attendee[] {
  const out: Attendee[] = [];
  for (const prop of comp.getAllProperties('attendee')) {
    const address = calAddress(prop.getFirstValue());
    if (!address) continue;
    const attendee: Attendee = { ...named(address, param(prop, 'cn')), partstat: partStatOf(param(prop, 'partstat')) };
    const role = param(prop, 'role');
    if (role) attendee.role = role;
    out.push(attendee);
  }
  return out;
}
