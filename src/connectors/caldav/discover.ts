// Finding the teammate's calendars: RFC 6764 service discovery (/.well-known/caldav), the
// principal's calendar-home-set (RFC 4791 §6.2.1), then the calendars under it — all done by
// tsdav. We keep the ones that can hold events (RFC 4791 §5.2.3
// supported-calendar-component-set includes VEVENT, or is absent: "any component").
import { createAccount, fetchCalendars, type DAVAccount } from 'tsdav';
import { translateError } from './http.js';

export interface CalDavCredentials {
  url: string;
  user: string;
  password: string;
}

export interface DiscoveredCalendar {
  /** Absolute URL of the calendar collection. */
  url: string;
  /** Its path (the cursor key; refs of its objects are paths too). */
  path: string;
  displayName: string;
  /** RFC 6578 sync-collection REPORT offered (DAV:supported-report-set). */
  syncCollection: boolean;
  /** DAV:sync-token property (RFC 6578 §4), when the server shows it. */
  syncToken?: string;
  /** CalendarServer getctag: changes whenever anything in the calendar changes. */
  ctag?: string;
}

export function basicAuth(c: Pick<CalDavCredentials, 'user' | 'password'>): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64')}` };
}

/** The server-relative form of a URL or href, percent-encoding kept as the server sent it. */
export function pathOf(href: string, base: string): string {
  return new URL(href, base).pathname;
}

const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && '_cdata' in (v as object)) return String((v as { _cdata: unknown })._cdata);
  if (typeof v === 'object' && '_text' in (v as object)) return String((v as { _text: unknown })._text);
  return typeof v === 'object' ? undefined : String(v);
};

export async function discoverCalendars(c: CalDavCredentials, fetch: typeof globalThis.fetch): Promise<DiscoveredCalendar[]> {
  const headers = basicAuth(c);
  let account: DAVAccount;
  try {
    account = await createAccount({ account: { serverUrl: c.url, accountType: 'caldav' }, headers, fetch });
  } catch (err) {
    throw translateError(err, 'looking for the calendar home');
  }
  let calendars: Awaited<ReturnType<typeof fetchCalendars>>;
  try {
    calendars = await fetchCalendars({ account, headers, fetch });
  } catch (err) {
    throw translateError(err, 'listing the calendars');
  }
  return calendars
    .filter((cal) => !cal.components?.length || cal.components.includes('VEVENT'))
    .map((cal) => {
      const syncToken = text(cal.syncToken);
      const ctag = text(cal.ctag);
      return {
        url: cal.url,
        path: pathOf(cal.url, c.url),
        displayName: text(cal.displayName) ?? pathOf(cal.url, c.url),
        syncCollection: Array.isArray(cal.reports) && cal.reports.includes('syncCollection'),
        ...(syncToken ? { syncToken } : {}),
        ...(ctag ? { ctag } : {}),
      };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}
