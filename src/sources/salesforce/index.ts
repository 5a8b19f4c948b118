// The Salesforce directory source on jsforce: Accounts → companies, Contacts → people.
//
// The cursor is a time: SOQL on SystemModstamp (paged with queryMore / nextRecordsUrl) for what
// changed, sObject Get Deleted for what was deleted or merged away in the same window. Why this
// and not getUpdated: getUpdated answers ids only, so every id costs a retrieve; one SOQL batch
// carries 2,000 whole records. docs/providers/salesforce.md has the details and the limits.
//
// Sign-in is the OAuth refresh-token flow against `loginUrl`, done once before any API call so
// a revoked token is refused at the token endpoint and nothing else is asked.
import { Connection, type QueryResult } from 'jsforce';
import { SourceError } from '../../providers/types.js';
import type { DirectorySource, SourcePage } from '../types.js';
import { SALESFORCE_LIMIT_RETRY_MS, salesforceError } from './errors.js';
import { ACCOUNT_FIELDS, contactFields, PRIMARY_EMAIL_FIELD, soql, toCompany, toContact } from './records.js';
import { FetchTransport } from './transport.js';

const API_VERSION = '62.0';
const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';
const MINUTE_MS = 60_000;

export interface SalesforceSettings {
  instanceUrl: string;
  loginUrl?: string;
  clientId: string;
}

interface Cursor {
  /** Start of the next window (ISO, whole minutes: Get Deleted ignores seconds); null = full sync. */
  since: string | null;
}

function encodeCursor(c: Cursor): string {
  return JSON.stringify({ v: 1, since: c.since });
}

function decodeCursor(cursor: string | null): Cursor {
  if (cursor === null) return { since: null };
  try {
    const c = JSON.parse(cursor) as { v?: unknown; since?: unknown };
    if (c.v === 1 && (c.since === null || (typeof c.since === 'string' && !Number.isNaN(Date.parse(c.since))))) {
      return { since: c.since };
    }
  } catch {
    // fall through: not a cursor this source wrote
  }
  throw new SourceError('CURSOR_INVALID', 'the saved Salesforce cursor is not readable; a full sync is needed');
}

const floorMinute = (d: Date) => new Date(d.getTime() - (d.getTime() % MINUTE_MS));

export function createSalesforceSource(
  settings: SalesforceSettings,
  secret: string,
  deps: { fetch?: typeof fetch; now: () => Date },
): DirectorySource {
  return {
    kind: 'salesforce',
    changes: (cursor, signal) => salesforceChanges(settings, secret, deps, cursor, signal),
  };
}

async function* salesforceChanges(
  settings: SalesforceSettings,
  refreshToken: string,
  deps: { fetch?: typeof fetch; now: () => Date },
  cursor: string | null,
  signal?: AbortSignal,
): AsyncGenerator<SourcePage> {
  const { since } = decodeCursor(cursor);
  // Read before anything is asked: whatever changes from here on is seen again next time.
  const windowEnd = floorMinute(deps.now());
  const transport = new FetchTransport(deps.fetch ?? globalThis.fetch, signal);
  // jsforce refreshes an expired session by itself, but wraps a refused refresh in a plain
  // Error ("Unable to refresh session …") that no longer says invalid_grant: keep the original.
  let refreshRefused: unknown;
  const conn = new Connection({
    oauth2: { clientId: settings.clientId, loginUrl: settings.loginUrl ?? DEFAULT_LOGIN_URL, redirectUri: 'http://localhost/unused' },
    instanceUrl: settings.instanceUrl,
    refreshToken,
    version: API_VERSION,
    refreshFn: (c, callback) => {
      c.oauth2.refreshToken(refreshToken).then(
        (res) => {
          c.accessToken = res.access_token;
          callback(undefined, res.access_token, res);
        },
        (err: Error) => {
          refreshRefused = salesforceError(err);
          callback(err);
        },
      );
    },
  });
  // jsforce's own transports bypass the outbound policy; both the API and OAuth calls use ours.
  (conn as unknown as { _transport: FetchTransport })._transport = transport;
  (conn.oauth2 as unknown as { _transport: FetchTransport })._transport = transport;
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    if (transport.usage && transport.usage.used >= transport.usage.limit) {
      throw new SourceError(
        'THROTTLED',
        `Salesforce's daily API limit is used up (${transport.usage.used}/${transport.usage.limit})`,
        SALESFORCE_LIMIT_RETRY_MS,
      );
    }
    try {
      return await fn();
    } catch (err) {
      throw refreshRefused ?? salesforceError(err);
    }
  };

  const token = await call(() => conn.oauth2.refreshToken(refreshToken));
  conn.accessToken = token.access_token;
  conn.instanceUrl = token.instance_url ?? settings.instanceUrl;
  const resume = encodeCursor({ since });
  const emailFields = await call(() => contactEmailFields(conn));

  // Fresh lists for every page: whoever applies a page may keep or change its arrays.
  const empty = (): Omit<SourcePage, 'cursor'> => ({ companies: [], contacts: [], deletedCompanyIds: [], deletedContactIds: [] });
  // Deletions first: a window older than the delete log (15 days) fails before anything is
  // applied, and a record deleted then undeleted in the window ends up present.
  let next = since ?? windowEnd.toISOString();
  if (since !== null && windowEnd.getTime() > Date.parse(since)) {
    const accounts = await call(() => conn.sobject('Account').deleted(since, windowEnd.toISOString()));
    const contacts = await call(() => conn.sobject('Contact').deleted(since, windowEnd.toISOString()));
    const covered = Math.min(Date.parse(accounts.latestDateCovered), Date.parse(contacts.latestDateCovered), windowEnd.getTime());
    if (!Number.isNaN(covered) && covered > Date.parse(since)) next = new Date(covered).toISOString();
    yield {
      ...empty(),
      deletedCompanyIds: accounts.deletedRecords.map((d) => d.id),
      deletedContactIds: contacts.deletedRecords.map((d) => d.id),
      cursor: resume,
    };
  }
  for await (const records of queryPages(conn, call, soql('Account', ACCOUNT_FIELDS, since))) {
    yield { ...empty(), companies: records.map((r) => toCompany(r, settings.instanceUrl)), cursor: resume };
  }
  for await (const records of contactPages(conn, call, emailFields, since)) {
    yield { ...empty(), contacts: records.map((r) => toContact(r, emailFields, settings.instanceUrl)), cursor: resume };
  }
  // The whole window is applied: the next sync starts where Get Deleted said it is covered.
  yield { ...empty(), cursor: encodeCursor({ since: next }) };
}

type Call = <T>(fn: () => Promise<T>) => Promise<T>;
type SfRecord = Record<string, unknown>;

/** Every email-type field of Contact by API name, the primary one first (the mapping picks). */
async function contactEmailFields(conn: Connection): Promise<string[]> {
  const described = await conn.sobject('Contact').describe();
  const others = described.fields.filter((f) => f.type === 'email' && f.name !== PRIMARY_EMAIL_FIELD).map((f) => f.name);
  return [PRIMARY_EMAIL_FIELD, ...others];
}

/** One SOQL result batch after another (2,000 records each by default), via nextRecordsUrl. */
async function* queryPages(conn: Connection, call: Call, query: string): AsyncGenerator<SfRecord[]> {
  let result: QueryResult<SfRecord> = await call(async () => await conn.query<SfRecord>(query));
  yield result.records;
  while (!result.done && result.nextRecordsUrl) {
    const next = result.nextRecordsUrl;
    result = await call(async () => await conn.queryMore<SfRecord>(next));
    yield result.records;
  }
}

/** Contacts with their AccountContactRelations; without the feature, AccountId alone. */
async function* contactPages(conn: Connection, call: Call, emailFields: string[], since: string | null): AsyncGenerator<SfRecord[]> {
  try {
    yield* queryPages(conn, call, soql('Contact', contactFields(emailFields, true), since));
  } catch (err) {
    const code = err instanceof SourceError ? /^Salesforce: (INVALID_TYPE|INVALID_FIELD)\b/.exec(err.message) : null;
    if (!code) throw err;
    yield* queryPages(conn, call, soql('Contact', contactFields(emailFields, false), since));
  }
}
