// The Salesforce directory source against the Salesforce emulator, through jsforce: the pages
// it yields for a full sync of 10,000 contacts in 2,000 accounts, an incremental sync (added,
// email edited, deleted, merged), a contact in two accounts, and the refusals (revoked refresh
// token, spent API limit, a cursor older than the delete log).
import { afterEach, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/providers/types.js';
import { SALESFORCE_LIMIT_RETRY_MS } from '../../src/sources/salesforce/errors.js';
import { createSalesforceSource } from '../../src/sources/salesforce/index.js';
import { websiteDomain } from '../../src/sources/salesforce/records.js';
import type { DirectorySource, SourcePage } from '../../src/sources/types.js';
import { SalesforceEmulator } from '../emulators/salesforce.js';
import type { SeedCompany, SeedContact } from '../emulators/source-emulator.js';
import { policyFetch } from '../../src/net/policy-fetch.js';
import { OutboundPolicy } from '../../src/net/outbound-policy.js';
import { TEST_OUTBOUND } from '../support/config.js';

const QUERY = 'GET /services/data/v62.0/query';
let emu: SalesforceEmulator | undefined;
let clock = new Date('2026-12-01T08:00:00Z');
const advance = (minutes: number) => {
  clock = new Date(clock.getTime() + minutes * 60_000);
};

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(): Promise<SalesforceEmulator> {
  clock = new Date('2026-12-01T08:00:00Z');
  emu = await SalesforceEmulator.start({ now: () => clock });
  return emu;
}

function source(e: SalesforceEmulator, fetchFn: typeof fetch = policyFetch(TEST_OUTBOUND)): DirectorySource {
  return createSalesforceSource(e.settings, e.secret, { now: () => clock, fetch: fetchFn });
}

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

const accountId = (i: number) => `001${String(i).padStart(15, '0')}`;
const contactId = (i: number) => `003${String(i).padStart(15, '0')}`;

function directory(companies: number, contacts: number): { companies: SeedCompany[]; contacts: SeedContact[] } {
  return {
    companies: Array.from({ length: companies }, (_, i) => ({ id: accountId(i), name: `Company ${i}`, domain: `company${i}.example` })),
    contacts: Array.from({ length: contacts }, (_, i) => ({
      id: contactId(i),
      email: `person${i}@company${i % companies}.example`,
      companyIds: [accountId(i % companies)],
    })),
  };
}

describe('Salesforce directory source', () => {
  it('syncs 10,000 contacts in 2,000 accounts in SOQL batches of 2,000, every contact with its account', async () => {
    const e = await start();
    const d = directory(2000, 10_000);
    e.seed(d.companies, d.contacts);
    advance(60);
    const pages = await collect(source(e), null);

    const companies = pages.flatMap((p) => p.companies);
    const contacts = pages.flatMap((p) => p.contacts);
    expect(companies).toHaveLength(2000);
    expect(companies[7]).toEqual({
      externalId: accountId(7),
      name: 'Company 7',
      domains: ['company7.example'],
      url: `${e.url}/lightning/r/Account/${accountId(7)}/view`,
    });
    expect(contacts).toHaveLength(10_000);
    expect(new Set(contacts.map((c) => c.externalId)).size).toBe(10_000);
    for (const c of contacts) {
      const i = Number(c.externalId.slice(3));
      expect(c.companyIds).toEqual([accountId(i % 2000)]);
      expect(c.emails.Email).toEqual([`person${i}@company${i % 2000}.example`]);
    }
    expect(contacts[0]).toMatchObject({ primaryField: 'Email', url: `${e.url}/lightning/r/Contact/${contactId(0)}/view` });
    // One Account batch, five Contact batches (one query + four queryMore), then the cursor.
    expect(pages.map((p) => [p.companies.length, p.contacts.length])).toEqual([
      [2000, 0],
      [0, 2000],
      [0, 2000],
      [0, 2000],
      [0, 2000],
      [0, 2000],
      [0, 0],
    ]);
    expect(e.countOf(QUERY)).toBe(6);
    expect(e.requestCount()).toBe(8); // + the token and the Contact describe
    expect(JSON.parse(pages.at(-1)!.cursor)).toEqual({ v: 1, since: '2026-12-01T09:00:00.000Z' });
  });

  it('an incremental sync sees one added, one email edited, one deleted and one merged contact, and nothing else', async () => {
    const e = await start();
    const d = directory(20, 100);
    e.seed(d.companies, d.contacts);
    advance(60);
    const src = source(e);
    const first = (await collect(src, null)).at(-1)!.cursor;

    advance(5);
    e.upsertContact({ id: contactId(500), email: 'new@company3.example', companyIds: [accountId(3)] });
    e.upsertContact({
      id: contactId(4),
      email: 'renamed@company4.example',
      secondaryEmails: ['old@company4.example'],
      companyIds: [accountId(4)],
    });
    e.deleteContact(contactId(5));
    e.mergeContacts(contactId(6), contactId(26));
    advance(2);
    const pages = await collect(src, first);

    const contacts = pages.flatMap((p) => p.contacts);
    expect(contacts.map((c) => c.externalId).sort()).toEqual([contactId(4), contactId(6), contactId(500)].sort());
    const edited = contacts.find((c) => c.externalId === contactId(4))!;
    expect(edited.emails).toEqual({
      Email: ['renamed@company4.example'],
      npe01__AlternateEmail__c: ['old@company4.example'],
      npe01__WorkEmail__c: [],
    });
    expect(contacts.find((c) => c.externalId === contactId(500))!.companyIds).toEqual([accountId(3)]);
    expect(pages.flatMap((p) => p.deletedContactIds).sort()).toEqual([contactId(26), contactId(5)].sort());
    expect(pages.flatMap((p) => p.companies)).toEqual([]);
    // Deletions come first, so a window the delete log no longer covers fails before anything is applied.
    expect(pages[0]!.deletedContactIds.length).toBe(2);
    expect(JSON.parse(pages.at(-1)!.cursor)).toEqual({ v: 1, since: '2026-12-01T09:07:00.000Z' });

    // Nothing changed since: the next sync is empty.
    advance(3);
    const quiet = await collect(src, pages.at(-1)!.cursor);
    expect(quiet.flatMap((p) => [...p.contacts, ...p.companies, ...p.deletedContactIds])).toEqual([]);
  });

  it('a contact in two accounts (Contacts to Multiple Accounts) belongs to both', async () => {
    const e = await start();
    e.seed(
      [
        { id: accountId(1), name: 'Globex', domain: 'globex.com' },
        { id: accountId(2), name: 'Initech', domain: 'initech.com' },
      ],
      [{ id: contactId(1), email: 'bob@globex.com', companyIds: [accountId(1), accountId(2)] }],
    );
    const contacts = (await collect(source(e), null)).flatMap((p) => p.contacts);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]!.companyIds).toEqual([accountId(1), accountId(2)]);
  });

  it('a revoked refresh token is AUTH_FAILED at the token endpoint, with no API request after it', async () => {
    const e = await start();
    e.seed(directory(2, 4).companies, directory(2, 4).contacts);
    e.revokeToken();
    const { err, pages } = await refusal(source(e), null);
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toMatch(/invalid_grant/);
    expect(pages).toEqual([]);
    expect(e.log).toEqual(['POST /services/oauth2/token']);
  });

  it('REQUEST_LIMIT_EXCEEDED is THROTTLED; a spent limit in Sforce-Limit-Info stops before Salesforce refuses', async () => {
    const e = await start();
    e.seed(directory(2, 4).companies, directory(2, 4).contacts);
    e.throttleNext(1, 0);
    const limited = await refusal(source(e), null);
    expect(limited.err.code).toBe('THROTTLED');
    expect(limited.err.retryAfterMs).toBe(SALESFORCE_LIMIT_RETRY_MS);

    // The describe answers api-usage=limit/limit: the source asks nothing more and waits.
    e.apiUsed = e.apiLimit - 1;
    const before = e.requestCount();
    const spent = await refusal(source(e), null);
    expect(spent.err.code).toBe('THROTTLED');
    expect(spent.err.message).toMatch(/100000\/100000/);
    expect(e.log.slice(before)).toEqual(['POST /services/oauth2/token', 'GET /services/data/v62.0/sobjects/Contact/describe']);
  });

  it('a cursor older than the 15-day delete log is CURSOR_INVALID before any page; an unreadable one before any request', async () => {
    const e = await start();
    e.seed(directory(2, 4).companies, directory(2, 4).contacts);
    const stale = JSON.stringify({ v: 1, since: '2026-11-10T08:00:00.000Z' });
    const { err, pages } = await refusal(source(e), stale);
    expect(err.code).toBe('CURSOR_INVALID');
    expect(err.message).toMatch(/INVALID_REPLICATION_DATE/);
    expect(pages).toEqual([]);

    const before = e.requestCount();
    const garbled = await refusal(source(e), 'not-a-cursor');
    expect(garbled.err.code).toBe('CURSOR_INVALID');
    expect(e.requestCount()).toBe(before);
  });

  it('an expired session is refreshed by jsforce mid-sync; a refresh token revoked mid-sync is AUTH_FAILED with nothing asked after', async () => {
    const e = await start();
    const d = directory(10, 30);
    e.seed(d.companies, d.contacts);
    const expiring: typeof fetch = async (input, init) => {
      const res = await policyFetch(TEST_OUTBOUND)(input, init);
      if (String(input).includes('/sobjects/Contact/describe')) e.expireSessions();
      return res;
    };
    const pages = await collect(source(e, expiring), null);
    expect(pages.flatMap((p) => p.contacts)).toHaveLength(30);
    expect(e.countOf('POST /services/oauth2/token')).toBe(2);

    const revoking: typeof fetch = async (input, init) => {
      const res = await policyFetch(TEST_OUTBOUND)(input, init);
      if (String(input).includes('/sobjects/Contact/describe')) e.revokeToken();
      return res;
    };
    const before = e.requestCount();
    const { err } = await refusal(source(e, revoking), null);
    expect(err.code).toBe('AUTH_FAILED');
    // token, describe, the refused query, the refused refresh: nothing after.
    expect(e.log.slice(before).map((l) => l.replace(/\?.*$/, ''))).toEqual([
      'POST /services/oauth2/token',
      'GET /services/data/v62.0/sobjects/Contact/describe',
      'GET /services/data/v62.0/query',
      'POST /services/oauth2/token',
    ]);
  });

  it('an org without Contacts to Multiple Accounts is asked again without the relation sub-query', async () => {
    const e = await start();
    e.contactsToMultipleAccounts = false;
    e.seed(
      [{ id: accountId(1), name: 'Globex', domain: 'globex.com' }],
      [{ id: contactId(1), email: 'bob@globex.com', companyIds: [accountId(1)] }],
    );
    const contacts = (await collect(source(e), null)).flatMap((p) => p.contacts);
    expect(contacts.map((c) => c.companyIds)).toEqual([[accountId(1)]]);
  });

  it('every request goes through the fetch it is given: a policy refusing loopback is NETWORK, nothing sent', async () => {
    const e = await start();
    e.seed([], []);
    const { err } = await refusal(source(e, policyFetch(new OutboundPolicy({ allow: [] }))), null);
    expect(err.code).toBe('NETWORK');
    expect(e.requestCount()).toBe(0);
  });

  it('a deleted Account is reported with the Contacts Salesforce deletes with it', async () => {
    const e = await start();
    const d = directory(3, 9);
    e.seed(d.companies, d.contacts);
    advance(60);
    const src = source(e);
    const first = (await collect(src, null)).at(-1)!.cursor;
    advance(1);
    e.deleteCompany(accountId(1));
    advance(1);
    const pages = await collect(src, first);
    expect(pages.flatMap((p) => p.deletedCompanyIds)).toEqual([accountId(1)]);
    expect(pages.flatMap((p) => p.deletedContactIds).sort()).toEqual([contactId(1), contactId(4), contactId(7)]);
  });

  it("an Account's domain is its Website's host, however the Website is written", () => {
    expect(websiteDomain('https://www.Acme.com/about')).toEqual(['acme.com']);
    expect(websiteDomain('acme.co.uk')).toEqual(['acme.co.uk']);
    expect(websiteDomain('http://shop.acme.com')).toEqual(['shop.acme.com']);
    expect(websiteDomain('')).toEqual([]);
    expect(websiteDomain(null)).toEqual([]);
    expect(websiteDomain('n/a')).toEqual([]);
  });
});
