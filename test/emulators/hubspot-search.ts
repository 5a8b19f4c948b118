// The filters and sort order of HubSpot's CRM search in the HubSpot emulator (hubspot.ts):
// a filter's operator (EQ, GT, GTE, LT, LTE, HAS_PROPERTY) against a record's property, dates
// compared as instants (epoch milliseconds or ISO 8601), anything else as text
// (https://developers.hubspot.com/docs/api/crm/search).

/** The properties whose value is the record's last change (the emulator reads them from the record itself). */
export const DATE_PROPS = new Set(['lastmodifieddate', 'hs_lastmodifieddate']);

function asTime(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return Number.NaN;
  return /^\d+$/.test(v) ? Number(v) : Date.parse(v);
}

export function cmp(a: unknown, b: unknown): number {
  const ta = asTime(a);
  const tb = asTime(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

export function matches(actual: unknown, op: string, value: string | undefined): boolean {
  if (op === 'HAS_PROPERTY') return actual !== null && actual !== undefined;
  const c = cmp(actual, value);
  switch (op) {
    case 'EQ':
      return c === 0;
    case 'GT':
      return c > 0;
    case 'GTE':
      return c >= 0;
    case 'LT':
      return c < 0;
    case 'LTE':
      return c <= 0;
    default:
      return false;
  }
}
