// Test-side CalDAV client for a per-run Radicale: makes calendars and PUTs / DELETEs events
// over plain HTTP (what a calendar app does), so the connector under test only ever sees a
// real server's answers.
import { RadicaleServer } from '../../scripts/services/radicale.js';

export { RadicaleServer };

export class CalDavAccount {
  constructor(readonly server: RadicaleServer, readonly user: string, private password: string) {}

  private get auth(): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}` };
  }

  url(path = ''): string {
    return `${this.server.url}${this.user}/${path}`;
  }

  private async req(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(this.url(path), { method, headers: { ...this.auth, ...headers }, ...(body !== undefined ? { body } : {}) });
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
