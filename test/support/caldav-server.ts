// Test-side CalDAV client for a per-run Radicale: makes calendars and PUTs / DELETEs events
// over HTTP (what a calendar app does), so the connector under test only ever sees a real
// server's answers. For a Radicale serving https, give it a fetch that trusts the test CA
// (test/support/tls.ts's trustingFetch).
import { RadicaleServer } from '../../scripts/services/radicale.js';
import { Workspace, type CliResult } from './cli.js';

export { RadicaleServer };

/**
 * Time limit for a test file's set-up: on a fresh CI machine the first file installs Radicale
 * (apt-get update + install) while the others wait for its lock.
 */
export const SERVER_SETUP_MS = 600_000;

export class CalDavAccount {
  constructor(
    readonly server: RadicaleServer,
    readonly user: string,
    private password: string,
    private readonly fetch: typeof globalThis.fetch = globalThis.fetch,
  ) {}

  private get auth(): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}` };
  }

  url(path = ''): string {
    return `${this.server.url}${this.user}/${path}`;
  }

  private async req(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.fetch(this.url(path), {
      method,
      headers: { ...this.auth, ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    await res.arrayBuffer();
    return res;
  }

  /** MKCALENDAR (RFC 4791 §5.3.1) limited to events, like a typical calendar app's. */
  async makeCalendar(name: string, displayName = name): Promise<void> {
    const body = `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>${displayName}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>`;
    const res = await this.req('MKCALENDAR', `${name}/`, body, { 'content-type': 'application/xml' });
    if (res.status !== 201) throw new Error(`MKCALENDAR ${name}: HTTP ${res.status}`);
  }

  /** PUT an event; returns its etag. */
  async put(calendar: string, file: string, ics: string): Promise<string> {
    const res = await this.req('PUT', `${calendar}/${file}`, ics, { 'content-type': 'text/calendar; charset=utf-8' });
    if (res.status !== 201 && res.status !== 204) throw new Error(`PUT ${calendar}/${file}: HTTP ${res.status}`);
    return res.headers.get('etag') ?? '';
  }

  async remove(path: string): Promise<void> {
    const res = await this.req('DELETE', path);
    if (res.status !== 200 && res.status !== 204) throw new Error(`DELETE ${path}: HTTP ${res.status}`);
  }

  /** The path of an event as refs name it: /<user>/<calendar>/<file>. */
  ref(calendar: string, file: string): string {
    return `/${this.user}/${calendar}/${file}`;
  }
}

// ------------------------------------------------------------------ CLI set-up

/** A test-only passphrase (≥ 32 characters) for secrets at rest. */
export const TEST_SECRET_KEY = 'touchpoint test passphrase, not a real secret 0123';

/** Puts the secret key and the password in the environment of this workspace's CLI children. */
export function setPasswordEnv(w: Workspace, varName: string, password: string): void {
  w.env.TOUCHPOINT_SECRET_KEY = TEST_SECRET_KEY;
  w.env[varName] = password;
}

export interface ConnectCalDav {
  teammate: string;
  user: string;
  passwordEnv: string;
  authorizedAt: string;
  url?: string;
  extra?: string[];
}

/** `touchpoint connect caldav …` on a Workspace; returns the CLI result. */
export function connectCalDavArgs(server: RadicaleServer, c: ConnectCalDav): string[] {
  return [
    'connect',
    'caldav',
    '--teammate',
    c.teammate,
    '--url',
    c.url ?? server.url,
    '--user',
    c.user,
    '--password-env',
    c.passwordEnv,
    '--authorized-at',
    c.authorizedAt,
    ...(c.extra ?? []),
  ];
}

/** A Workspace that keeps every CLI output, so a test can prove a secret never appears. */
export class RecordingWorkspace extends Workspace {
  readonly outputs: string[] = [];

  override async run(args: string[], opts: { now?: string | null } = {}): Promise<CliResult> {
    const r = await super.run(args, opts);
    this.outputs.push(r.stdout, r.stderr);
    return r;
  }
}

/** Outlook's VTIMEZONE for its Windows zone name "Eastern Standard Time" (US rules since 2007). */
export const OUTLOOK_EASTERN = [
  'BEGIN:VTIMEZONE',
  'TZID:Eastern Standard Time',
  'BEGIN:STANDARD',
  'DTSTART:16010101T020000',
  'TZOFFSETFROM:-0400',
  'TZOFFSETTO:-0500',
  'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010101T020000',
  'TZOFFSETFROM:-0500',
  'TZOFFSETTO:-0400',
  'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
].join('\r\n');

/**
 * Adds a VTIMEZONE to an iCalendar text, as Outlook and Exchange send it. RFC 5545 §3.2.19
 * requires one for every TZID used, and Radicale (without pytz) refuses a Windows zone name
 * it has no definition for.
 */
export function withTimezone(text: string, vtimezone = OUTLOOK_EASTERN): string {
  return text.replace(/(PRODID:[^\r\n]*\r\n)/, `$1${vtimezone}\r\n`);
}
