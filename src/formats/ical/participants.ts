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

/**
 * The real mail address of a participant and the other addresses its property carries.
 * RFC 7986 §6.2: EMAIL is "the email address of the calendar user when it differs from the
 * cal-address" — iCloud writes relay addresses (mailto:2_…@imip.me.com) with the real one in
 * EMAIL, Google and Exchange write group, resource and urn:uuid addresses the same way. So
 * EMAIL wins; the value is kept as another address (it may still be a teammate's own).
 */
function addressesOf(prop: Property): { address: string; also: string[] } | null {
  const value = calAddress(prop.getFirstValue());
  const email = calAddress(param(prop, 'email'));
  const address = email ?? value;
  if (!address) return null;
  const also = value && value.toLowerCase() !== address.toLowerCase() ? [value] : [];
  return { address, also };
}

export interface Organizer {
  address: Address;
  /** Other addresses it carries: the relay value under EMAIL, SENT-BY (a delegate acting for it). */
  also: string[];
}

export function organizerWithAliases(comp: Component): Organizer | null {
  const prop = comp.getFirstProperty('organizer');
  if (!prop) return null;
  const found = addressesOf(prop);
  if (!found) return null;
  // SENT-BY is a delegate acting for the organizer (Outlook, Exchange, Yahoo write it): the
  // organizer stays the value, and a teammate who sent it on their behalf is recognised too.
  const sentBy = calAddress(param(prop, 'sent-by'));
  const also = [...found.also];
  if (sentBy && sentBy.toLowerCase() !== found.address.toLowerCase() && !also.some((a) => a.toLowerCase() === sentBy.toLowerCase())) {
    also.push(sentBy);
  }
  return { address: named(found.address, param(prop, 'cn')), also };
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
    const found = addressesOf(prop);
    if (!found) continue;
    const { address } = found;
    const attendee: Attendee = { ...named(address, param(prop, 'cn')), partstat: partStatOf(param(prop, 'partstat')) };
    const role = param(prop, 'role');
    if (role) attendee.role = role;
    out.push(attendee);
  }
  return out;
}
