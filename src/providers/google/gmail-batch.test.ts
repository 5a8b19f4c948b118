// Gmail's batch path against the Google emulator (test/emulators/google.ts), through the
// real OAuth2Client: the initial listing reads headers in batches of up to 100 rather than
// one messages.get each; one part's 404 loses none of the others; a throttled part is sent
// again after its own Retry-After, alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleEmulator, googleErrorBody } from '../../../test/emulators/google.js';
import { SourceError } from '../types.js';
import { GoogleTokens } from './auth.js';
import { batchGet } from './gmail-batch.js';
import { GmailMailSource } from './gmail-mail-source.js';

const g = new GoogleEmulator();
let tokens: GoogleTokens;
const waits: number[] = [];
const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 60_000, sleep: async (ms: number) => void waits.push(ms), random: () => 0 };
const path = (id: string) => `/gmail/v1/users/me/messages/${id}?format=metadata&metadataHeaders=Subject`;

const raw = (i: number) =>
  `From: Client ${i} <c${i}@acme.com>\r\nTo: alice@ourco.com\r\nSubject: Renewal ${i}\r\nDate: Tue, 03 Mar 2026 09:00:00 +0000\r\nMessage-ID: <m${i}@acme.com>\r\n\r\nBody ${i}\r\n`;

beforeAll(async () => {
  // Exact batch counts, and retries that do not really wait: the per-user quota would refuse
  // parts the fake sleep never lets it refill for (test/integration/gmail-quota.test.ts has it on).
  g.setUserQuota(null);
  await g.start();
  for (let i = 0; i < 250; i++) g.addMessage(`m${i}`, raw(i), new Date(Date.UTC(2026, 2, 3, 9, 0, i)).toISOString());
  tokens = new GoogleTokens({ clientId: 'cid', clientSecret: 'secret', tokenUrl: g.tokenUrl }, g.issueRefreshToken());
});
afterAll(() => g.stop());

const subjectOf = (m: { payload?: { headers?: { name?: string | null; value?: string | null }[] } } | null | undefined) =>
  m?.payload?.headers?.find((h) => h.name === 'Subject')?.value;

describe('Gmail batch', () => {
  it('the initial listing reads 250 messages in 3 batch requests, every message once', async () => {
    g.batches.length = 0;
    // The root as the config gives it (no trailing slash): the batch URL is built on it all the same.
    const source = new GmailMailSource({ tokens, authorizedAt: new Date('2026-03-01T00:00:00Z'), rootUrl: g.url, retry });
    const seen: string[] = [];
    for await (const page of source.changes(null)) for (const s of page.sightings) seen.push(s.item.subject);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen).toContain('Renewal 249');
    expect(g.batches).toEqual([100, 100, 50]);
  });

  it('bodies asked for together are read in one batch; a deleted message is null, the others whole', async () => {
    g.batches.length = 0;
    const source = new GmailMailSource({ tokens, authorizedAt: new Date('2026-03-01T00:00:00Z'), rootUrl: g.url, retry });
    const got = await Promise.all(['m5', 'gone', 'm6'].map((ref) => source.fetchBody(ref)));
    expect(got.map((m) => m?.subject ?? null)).toEqual(['Renewal 5', null, 'Renewal 6']);
    expect(got[0]!.text).toContain('Body 5');
    expect(g.batches).toEqual([3]);
  });

  it("one part's 404 leaves that message out and keeps the others", async () => {
    g.failNext.push({ status: 404, body: googleErrorBody(404, 'notFound', 'Requested entity was not found.') });
    const got = await batchGet({ tokens, rootUrl: g.rootUrl, retry }, ['m1', 'm2', 'm3'], path);
    expect(got.get('m1')).toBeNull();
    expect(subjectOf(got.get('m2'))).toBe('Renewal 2');
    expect(subjectOf(got.get('m3'))).toBe('Renewal 3');
  });

  it('a throttled part is sent again, alone, after its Retry-After', async () => {
    g.batches.length = 0;
    waits.length = 0;
    const ids = ['m10', 'm11', 'm12'];
    // The emulator answers queued errors per part, in order: the first part is the throttled one.
    g.failNext.push({
      status: 429,
      body: googleErrorBody(429, 'rateLimitExceeded', 'Too many requests', 'usageLimits'),
      headers: { 'retry-after': '7' },
    });
    const got = await batchGet({ tokens, rootUrl: g.rootUrl, retry }, ids, path);
    expect(ids.map((id) => subjectOf(got.get(id)))).toEqual(['Renewal 10', 'Renewal 11', 'Renewal 12']);
    expect(waits).toEqual([7_000]);
    expect(g.batches).toEqual([3, 1]);
  });

  it('a part throttled on every one of the 3 attempts stops the sync as THROTTLED', async () => {
    for (let i = 0; i < 6; i++)
      g.failNext.push({
        status: 429,
        body: googleErrorBody(429, 'rateLimitExceeded', 'Too many requests', 'usageLimits'),
        headers: { 'retry-after': '1' },
      });
    const err = await batchGet({ tokens, rootUrl: g.rootUrl, retry }, ['m20', 'm21'], path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('THROTTLED');
  });
});
