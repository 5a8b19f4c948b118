// The Zendesk directory source against the Zendesk emulator, through node-zendesk's request
// layer: a full sync of 10,000 end users in 2,000 organizations (which meets the incremental
// exports' 10-requests-a-minute limit and resumes from the page it stopped at), an incremental
// sync (added, email edited, deleted, merged, made an agent), a user in two organizations, and
// the refusals (revoked API token, 429 with Retry-After, a cursor Zendesk no longer takes).
import { afterEach, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/providers/types.js';
import type { DirectorySource, SourcePage } from '../../src/sources/types.js';
import { createZendeskSource } from '../../src/sources/zendesk/index.js';
import { ZendeskEmulator } from '../emulators/zendesk.js';
import { policyFetch } from '../../src/net/policy-fetch.js';
import { OutboundPolicy } from '../../src/net/outbound-policy.js';
import { TEST_OUTBOUND } from '../support/config.js';

const ORG_EXPORT = 'GET /api/v2/incremental/organizations';
const USER_EXPORT = 'GET /api/v2/incremental/users/cursor';
const MEMBERSHIPS = 'GET /api/v2/organization_memberships';
let emu: ZendeskEmulator | undefined;
let clock = new Date('2026-12-01T08:00:00Z');
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(): Promise<ZendeskEmulator> {
  clock = new Date('2026-12-01T08:00:00Z');
  emu = await ZendeskEmulator.start({ now: () => clock });
  return emu;
}

const source = (e: ZendeskEmulator, fetchFn: typeof fetch = policyFetch(TEST_OUTBOUND)) =>
  createZendeskSource(e.settings, e.secret, { now: () => clock, fetch: fetchFn });

async function collect(src: DirectorySource, cursor: string | null): Promise<SourcePage[]> {
  const pages: SourcePage[] = [];
  for await (const p of src.changes(cursor)) pages.push(p);
  return pages;
}

async function refusal(src: DirectorySource, cursor: string | null): Promise<{ err: SourceError; pages: SourcePage[] }> {
  const pages: SourcePage[] = [];
  try {
    for await (const p of src.changes(cursor)) pages.push(p);
  } catch (err) {
    if (err instanceof SourceError) return { err, pages };
    throw err;
  }
  throw new Error('the sync was not refused');
}

/** Organizations one second apart (the time-based export pages by second), end users after. */
function seed(e: ZendeskEmulator, orgs: number, users: number): void {
  for (let i = 0; i < orgs; i++) {
    e.upsertCompany({ id: String(1000 + i), name: `Org ${i}`, domain: `org${i}.example` });
    advance(1000);
  }
  for (let i = 0; i < users; i++)
    e.upsertContact({ id: String(50_000 + i), email: `user${i}@org${i % orgs}.example`, companyIds: [String(1000 + (i % orgs))] });
  advance(60 * 60_000);
}

describe('Zendesk directory source', () => {
  it('syncs 10,000 end users in 2,000 organizations, resuming after the 10-a-minute export limit', async () => {
    const e = await start();
    seed(e, 2000, 10_000);
    const src = source(e);
    const pages: SourcePage[] = [];
    const waits: number[] = [];
    let cursor: string | null = null;
    for (let run = 0; run < 5; run++) {
      try {
        for await (const p of src.changes(cursor)) {
          pages.push(p);
          cursor = p.cursor;
        }
        break;
      } catch (err) {
        if (!(err instanceof SourceError) || err.code !== 'THROTTLED') throw err;
        waits.push(err.retryAfterMs ?? -1);
        advance(err.retryAfterMs ?? 60_000);
      }
    }

    const companies = new Map(pages.flatMap((p) => p.companies).map((c) => [c.externalId, c]));
    expect(companies.size).toBe(2000);
    expect(companies.get('1007')).toEqual({
      externalId: '1007',
      name: 'Org 7',
      domains: ['org7.example'],
      url: `${e.url}/agent/organizations/1007`,
    });
    const contacts = pages.flatMap((p) => p.contacts);
    expect(contacts).toHaveLength(10_000);
    for (const c of contacts) {
      const i = Number(c.externalId) - 50_000;
      expect(c.companyIds).toEqual([String(1000 + (i % 2000))]);
      expect(c.emails).toEqual({ email: [`user${i}@org${i % 2000}.example`], identities: [] });
    }
    expect(contacts[0]).toMatchObject({ primaryField: 'email', url: `${e.url}/agent/users/50000` });
    // Organizations: 1,000 a page (3 pages, the seam's second repeated) + one more on resuming;
    // users: 10 pages of 1,000. The 11th incremental request in the minute was refused with
    // Retry-After, once; the wait was the server's.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(60_000);
    expect(e.countOf(ORG_EXPORT)).toBe(4);
    expect(e.countOf(USER_EXPORT)).toBe(11); // 10 pages + the refused one
    expect(pages.filter((p) => p.contacts.length > 0).map((p) => p.contacts.length)).toEqual(Array(10).fill(1000));
    expect(e.countOf(MEMBERSHIPS)).toBe(2 * 100); // the whole list, once per run
    expect(JSON.parse(pages.at(-1)!.cursor)).toMatchObject({ full: false, users: { cursor: expect.any(String) } });
  });

  it('an incremental sync sees one added, one email edited, one deleted, one merged and one made agent, and nothing else', async () => {
    const e = await start();
    seed(e, 5, 20);
    const src = source(e);
    const first = (await collect(src, null)).at(-1)!.cursor;

    advance(5 * 60_000);
    e.upsertContact({ id: '60000', email: 'new@org3.example', companyIds: ['1003'] });
    e.upsertContact({ id: '50004', email: 'renamed@org4.example', companyIds: ['1004'] });
    e.deleteContact('50005');
    e.mergeContacts('50006', '50011');
    e.promote('50007');
    advance(2 * 60_000); // the export leaves out the last minute
    const before = e.requestCount();
    const pages = await collect(src, first);

    const contacts = pages.flatMap((p) => p.contacts);
    expect(contacts.map((c) => c.externalId).sort()).toEqual(['50004', '50006', '60000']);
    expect(contacts.find((c) => c.externalId === '50004')!.emails).toEqual({ email: ['renamed@org4.example'], identities: [] });
    expect(contacts.find((c) => c.externalId === '50006')!.emails).toEqual({
      email: ['user6@org1.example'],
      identities: ['user11@org1.example'],
    });
    expect(contacts.find((c) => c.externalId === '60000')!.companyIds).toEqual(['1003']);
    expect(pages.flatMap((p) => p.deletedContactIds).sort()).toEqual(['50005', '50007', '50011']);
    expect(pages.flatMap((p) => p.companies)).toHaveLength(1); // the last organization's second, again
    // Few changes: memberships asked per changed end user, not the whole list.
    expect(e.log.slice(before).filter((l) => l.startsWith(MEMBERSHIPS))).toEqual([]);
    expect(e.log.slice(before).filter((l) => /\/users\/\d+\/organization_memberships/.test(l))).toHaveLength(3);

    advance(3 * 60_000);
    const quiet = await collect(src, pages.at(-1)!.cursor);
    expect(quiet.flatMap((p) => [...p.contacts, ...p.deletedContactIds])).toEqual([]);
  });

  it('a user in two organizations belongs to both, in the full sync and in an incremental one', async () => {
    const e = await start();
    seed(e, 3, 0);
    e.upsertContact({ id: '70000', email: 'bob@org0.example', companyIds: ['1000', '1002'] });
    advance(2 * 60_000);
    const src = source(e);
    const full = await collect(src, null);
    expect(full.flatMap((p) => p.contacts).map((c) => c.companyIds)).toEqual([['1000', '1002']]);

    e.upsertContact({ id: '70000', email: 'bob@org0.example', companyIds: ['1001', '1002'] });
    advance(2 * 60_000);
    const next = await collect(src, full.at(-1)!.cursor);
    expect(next.flatMap((p) => p.contacts).map((c) => c.companyIds)).toEqual([['1001', '1002']]);
  });

  it('a deleted organization is reported deleted', async () => {
    const e = await start();
    seed(e, 3, 6);
    const src = source(e);
    const first = (await collect(src, null)).at(-1)!.cursor;
    e.deleteCompany('1001');
    advance(2 * 60_000);
    const pages = await collect(src, first);
    expect(pages.flatMap((p) => p.deletedCompanyIds)).toEqual(['1001']);
    // Its members are changed users now, in no organization.
    expect(pages.flatMap((p) => p.contacts).map((c) => [c.externalId, c.companyIds])).toEqual([
      ['50001', []],
      ['50004', []],
    ]);
  });

  it('a revoked API token is AUTH_FAILED with no request after the refusal', async () => {
    const e = await start();
    seed(e, 2, 4);
    const src = source(e);
    e.revokeToken();
    const { err, pages } = await refusal(src, null);
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toMatch(/Couldn't authenticate you/);
    expect(pages).toEqual([]);
    expect(e.requestCount()).toBe(1);
  });

  it('429 with Retry-After is THROTTLED with the server’s wait', async () => {
    const e = await start();
    seed(e, 2, 4);
    e.throttleNext(1, 37);
    const { err, pages } = await refusal(source(e), null);
    expect(err.code).toBe('THROTTLED');
    expect(err.retryAfterMs).toBe(37_000);
    expect(pages).toEqual([]);
  });

  it('a user-export cursor Zendesk refuses is CURSOR_INVALID; an unreadable one fails before any request', async () => {
    const e = await start();
    seed(e, 2, 4);
    const bad = JSON.stringify({ v: 1, orgs: 0, users: { cursor: 'bm90IGEgY3Vyc29y!' }, full: false });
    const { err } = await refusal(source(e), bad);
    expect(err.code).toBe('CURSOR_INVALID');

    const before = e.requestCount();
    const garbled = await refusal(source(e), '{"v":1,"orgs":"yesterday"}');
    expect(garbled.err.code).toBe('CURSOR_INVALID');
    expect(e.requestCount()).toBe(before);
  });

  it('every request goes through the fetch it is given: a policy refusing loopback is NETWORK, nothing sent', async () => {
    const e = await start();
    const { err } = await refusal(source(e, policyFetch(new OutboundPolicy({ allow: [] }))), null);
    expect(err.code).toBe('NETWORK');
    expect(e.requestCount()).toBe(0);
  });

  it('many changed end users on a page: the membership list is read once instead of user by user', async () => {
    const e = await start();
    seed(e, 10, 300);
    const src = source(e);
    const first = (await collect(src, null)).at(-1)!.cursor;
    advance(60_000);
    for (let i = 0; i < 150; i++)
      e.upsertContact({ id: String(50_000 + i), email: `moved${i}@org0.example`, companyIds: ['1000', '1001'] });
    advance(2 * 60_000);
    const before = e.requestCount();
    const contacts = (await collect(src, first)).flatMap((p) => p.contacts);
    expect(contacts).toHaveLength(150);
    expect(contacts.every((c) => c.companyIds.join() === '1000,1001')).toBe(true);
    const asked = e.log.slice(before);
    expect(asked.filter((l) => l.startsWith(MEMBERSHIPS))).toHaveLength(5); // 150 × 2 + 150 × 1 memberships, 100 a page
    expect(asked.filter((l) => /\/users\/\d+\/organization_memberships/.test(l))).toEqual([]);
  });
});
