// fetchInBatches: a page's missing objects in calendar-multiget REPORTs of at most `max`
// hrefs each, merged in order (the page size no longer bounds what one REPORT asks for).
import { describe, expect, it } from 'vitest';
import type { DiscoveredCalendar } from './discover.js';
import { fetchInBatches, MULTIGET_MAX } from './fetch-objects.js';

const cal: DiscoveredCalendar = {
  url: 'http://dav.test/cal/alice/work/',
  path: '/cal/alice/work/',
  displayName: 'Work',
  syncCollection: true,
};

/** A fake server: answers each multiget with its hrefs, 404 for names containing "gone". */
function fakeServer() {
  const requests: string[][] = [];
  const fetch = (async (_url: string, init: { body: string }) => {
    const hrefs = [...init.body.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((m) => m[1]!);
    requests.push(hrefs);
    const responses = hrefs.map((h) =>
      h.includes('gone')
        ? `<d:response><d:href>${h}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`
        : `<d:response><d:href>${h}</d:href><d:propstat><d:prop><d:getetag>"e-${h.split('/').pop()}"</d:getetag>` +
          `<c:calendar-data>BEGIN:VCALENDAR&#13;\nEND:VCALENDAR</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
    );
    const xml = `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">${responses.join('')}</d:multistatus>`;
    return new Response(xml, { status: 207, headers: { 'content-type': 'application/xml' } });
  }) as unknown as typeof globalThis.fetch;
  return { requests, ctx: { headers: {}, fetch } };
}

describe('fetchInBatches', () => {
  it('asks for at most `max` hrefs per REPORT and keeps the page order', async () => {
    const { requests, ctx } = fakeServer();
    const hrefs = ['a', 'b', 'gone-c', 'd', 'e'].map((n) => `${cal.path}${n}.ics`);
    const page = await fetchInBatches(cal, hrefs, ctx, 2);
    expect(requests.map((r) => r.length)).toEqual([2, 2, 1]);
    expect(requests.flat()).toEqual(hrefs);
    expect(page.objects.map((o) => [o.ref, o.version])).toEqual([
      [`${cal.path}a.ics`, '"e-a.ics"'],
      [`${cal.path}b.ics`, '"e-b.ics"'],
      [`${cal.path}d.ics`, '"e-d.ics"'],
      [`${cal.path}e.ics`, '"e-e.ics"'],
    ]);
    expect(page.gone).toEqual([`${cal.path}gone-c.ics`]);
    expect(page.errors).toEqual([]);
  });

  it('sends no request for no hrefs, one for up to MULTIGET_MAX', async () => {
    const { requests, ctx } = fakeServer();
    expect(await fetchInBatches(cal, [], ctx)).toEqual({ objects: [], gone: [], errors: [] });
    expect(requests).toEqual([]);
    const hrefs = Array.from({ length: MULTIGET_MAX + 1 }, (_, i) => `${cal.path}${i}.ics`);
    const page = await fetchInBatches(cal, hrefs, ctx);
    expect(requests.map((r) => r.length)).toEqual([MULTIGET_MAX, 1]);
    expect(page.objects).toHaveLength(MULTIGET_MAX + 1);
  });
});
