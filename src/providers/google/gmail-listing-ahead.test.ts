// The initial listing reads one page ahead: the next messages.list (and its batch) is under
// way while the sync handles the current page, never more than one, and a failure of the page
// read ahead surfaces on that page (or nowhere, if the sync stopped before it).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GoogleEmulator } from '../../../test/emulators/google.js';
import { type MailPage, SourceError } from '../types.js';
import { GoogleTokens } from './auth.js';
import { type GmailCursor, GmailMailSource } from './gmail-mail-source.js';

const g = new GoogleEmulator();
let tokens: GoogleTokens;
const raw = (i: number) =>
  `From: c${i}@acme.com\r\nTo: alice@ourco.com\r\nSubject: Renewal ${i}\r\nDate: Tue, 03 Mar 2026 09:00:00 +0000\r\nMessage-ID: <m${i}@acme.com>\r\n\r\nBody\r\n`;

beforeAll(async () => {
  // One attempt per call and exact request counts: the per-user quota off (gmail-quota.test.ts has it on).
  g.setUserQuota(null);
  await g.start();
  for (let i = 0; i < 250; i++) g.addMessage(`m${i}`, raw(i), new Date(Date.UTC(2026, 2, 3, 9, 0, i)).toISOString());
  tokens = new GoogleTokens({ clientId: 'cid', clientSecret: 'secret', tokenUrl: g.tokenUrl }, g.issueRefreshToken());
});
afterAll(() => g.stop());

const retry = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined };
const source = () =>
  new GmailMailSource({ tokens, authorizedAt: new Date('2026-03-01T00:00:00Z'), rootUrl: g.rootUrl, retry, pageSize: 100 });
const lists = () => g.log.filter((l) => l.startsWith('GET /gmail/v1/users/me/messages?')).length;

/** Makes the source's n-th messages.list call fail (the client library's call, before any HTTP). */
function failListCall(s: GmailMailSource, n: number): void {
  const api = (s as unknown as { api: { users: { messages: { list: (...a: unknown[]) => Promise<unknown> } } } }).api;
  const list = api.users.messages.list.bind(api.users.messages);
  let calls = 0;
  api.users.messages.list = (...a) =>
    ++calls === n ? Promise.reject(Object.assign(new Error('boom'), { response: { status: 400 } })) : list(...a);
}

describe('Gmail initial listing, one page ahead', () => {
  it('asks for the next page while the current one is handled, one ahead only, every message once and in order', async () => {
    g.log.length = 0;
    const it = source().changes(null)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value?.sightings).toHaveLength(100);
    await vi.waitFor(() => expect(lists()).toBe(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(lists()).toBe(2); // not a third while the first page is still being handled
    const refs = (first.value as MailPage).sightings.map((s) => s.ref);
    const cursors: (GmailCursor | null)[] = [first.value!.cursor as GmailCursor];
    for (let r = await it.next(); !r.done; r = await it.next()) {
      refs.push(...r.value.sightings.map((s) => s.ref));
      cursors.push(r.value.cursor as GmailCursor);
    }
    expect(new Set(refs).size).toBe(250);
    expect(cursors.map((c) => c?.listing?.pageToken ?? null)).toEqual(['100', '200', null]);
  });

  it('a failure of the page read ahead is thrown when the sync reaches that page', async () => {
    const s = source();
    failListCall(s, 2);
    const it = s.changes(null)[Symbol.asyncIterator]();
    expect((await it.next()).value?.sightings).toHaveLength(100);
    await expect(it.next()).rejects.toBeInstanceOf(SourceError);
  });

  it('a sync that stops after a page leaves the failure of the page read ahead unhandled nowhere', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const s = source();
      failListCall(s, 2);
      const it = s.changes(null)[Symbol.asyncIterator]();
      expect((await it.next()).value?.sightings).toHaveLength(100);
      await it.return?.();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
