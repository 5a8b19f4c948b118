// A local Salesforce emulator (plain node:http) serving the documented JSON of what the
// Salesforce directory source uses, driven by jsforce:
// - OAuth 2.0 refresh-token flow, POST /services/oauth2/token: {access_token, instance_url, id,
//   token_type, issued_at, signature, scope}; a revoked refresh token answers 400
//   {"error":"invalid_grant","error_description":"expired access/refresh token"}.
// - REST (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/): errors are
//   a JSON array [{message, errorCode}]; 401 INVALID_SESSION_ID for a missing or revoked bearer
//   token; 403 REQUEST_LIMIT_EXCEEDED when the org's API limit is spent; every answer carries
//   Sforce-Limit-Info: api-usage=<used>/<limit> (headers_api_usage.htm).
// - sObject Describe (fields with their `type`, email fields are type "email").
// - Query: {totalSize, done, records, nextRecordsUrl} in batches of 2,000 (or the
//   Sforce-Query-Options batchSize), later batches at /query/<locator>-<offset>; an unknown
//   locator is 400 INVALID_QUERY_LOCATOR. Only the SOQL shapes the source sends are understood.
// - sObject Get Deleted (resources_getdeleted.htm): {deletedRecords: [{id, deletedDate}],
//   earliestDateAvailable, latestDateCovered}; the seconds of start/end are ignored; a start more
//   than 15 days back is 400 INVALID_REPLICATION_DATE. Merged-away records (MasterRecordId set)
//   are in the delete log like any deleted record.
// Deleting an Account deletes its Contacts, as Salesforce does.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SeedCompany, SeedContact, SourceEmulator } from './source-emulator.js';

const API = '/services/data/v62.0';
const DAY_MS = 86_400_000;
/** NPSP's extra email fields: where a contact's secondary addresses live. */
const SECONDARY_FIELDS = ['npe01__AlternateEmail__c', 'npe01__WorkEmail__c'] as const;

interface Account {
  Id: string;
  Name: string;
  Website: string | null;
  modified: number;
}
interface Contact {
  Id: string;
  AccountId: string | null;
  Email: string | null;
  secondary: string[];
  /** AccountContactRelation rows: the direct account and the indirect ones. */
  accountIds: string[];
  modified: number;
}
interface Deleted {
  type: 'Account' | 'Contact';
  id: string;
  at: number;
  masterRecordId?: string;
}

/** "2013-05-20T20:49:32.000+0000", the way REST answers datetimes. */
const sfDate = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
const floorMinute = (ms: number) => ms - (ms % 60_000);

export interface SalesforceEmulatorOptions {
  /** The emulator's clock (SystemModstamp, the delete log); tests move it by hand. */
  now?: () => Date;
  clientId?: string;
}

export class SalesforceEmulator implements SourceEmulator {
  readonly kind = 'salesforce' as const;
  readonly clientId: string;
  secret = `5Aep861-refresh-${randomUUID()}`;
  readonly accounts = new Map<string, Account>();
  readonly contacts = new Map<string, Contact>();
  readonly deleted: Deleted[] = [];
  /** Every request's method and path (with the query string), in order. */
  readonly log: string[] = [];
  /** The org's daily API limit and what is used of it (Sforce-Limit-Info). */
  apiLimit = 100_000;
  apiUsed = 0;
  /** Off: the org refuses the AccountContactRelations sub-query (feature not enabled). */
  contactsToMultipleAccounts = true;
  private revoked = false;
  private throttled = 0;
  private readonly accessTokens = new Set<string>();
  private readonly cursors = new Map<string, Record<string, unknown>[]>();
  private readonly server: Server;
  private readonly now: () => Date;
  private port = 0;

  private constructor(opts: SalesforceEmulatorOptions) {
    this.now = opts.now ?? (() => new Date());
    this.clientId = opts.clientId ?? 'touchpoint-connected-app';
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => send(res, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(err) }]));
    });
  }

  static async start(opts: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
    const emu = new SalesforceEmulator(opts);
    await new Promise<void>((r) => emu.server.listen(0, '127.0.0.1', r));
    emu.port = (emu.server.address() as AddressInfo).port;
    return emu;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get settings(): { instanceUrl: string; loginUrl: string; clientId: string } {
    return { instanceUrl: this.url, loginUrl: this.url, clientId: this.clientId };
  }

  seed(companies: SeedCompany[], contacts: SeedContact[]): void {
    for (const c of companies) this.upsertCompany(c);
    for (const c of contacts) this.upsertContact(c);
  }

  upsertCompany(c: SeedCompany): void {
    this.accounts.set(c.id, { Id: c.id, Name: c.name, Website: c.domain ? `https://www.${c.domain}/` : null, modified: this.ms() });
  }

  upsertContact(c: SeedContact): void {
    this.contacts.set(c.id, {
      Id: c.id,
      AccountId: c.companyIds[0] ?? null,
      Email: c.email,
      secondary: c.secondaryEmails ?? [],
      accountIds: c.companyIds,
      modified: this.ms(),
    });
  }

  deleteContact(id: string, masterRecordId?: string): void {
    if (!this.contacts.delete(id)) return;
    this.deleted.push({ type: 'Contact', id, at: this.ms(), ...(masterRecordId ? { masterRecordId } : {}) });
  }

  deleteCompany(id: string): void {
    if (!this.accounts.delete(id)) return;
    this.deleted.push({ type: 'Account', id, at: this.ms() });
    for (const c of [...this.contacts.values()]) if (c.AccountId === id) this.deleteContact(c.Id);
  }

  /** Salesforce's merge: the master is kept (and modified), the other is deleted with MasterRecordId. */
  mergeContacts(keepId: string, goneId: string): void {
    const keep = this.contacts.get(keepId);
    if (!keep) throw new Error(`no contact ${keepId}`);
    keep.modified = this.ms();
    this.deleteContact(goneId, keepId);
  }

  /** Access tokens time out (session timeout); the refresh token still works. */
  expireSessions(): void {
    this.accessTokens.clear();
  }

  revokeToken(): void {
    this.revoked = true;
    this.accessTokens.clear();
  }

  /** The admin authorizes the app again: a new refresh token (`secret`) that works. */
  issueRefreshToken(): void {
    this.secret = `5Aep861-refresh-${randomUUID()}`;
    this.revoked = false;
  }

  /** Salesforce answers a spent API limit with 403 REQUEST_LIMIT_EXCEEDED and no Retry-After. */
  throttleNext(count: number, _retryAfterSeconds: number): void {
    this.throttled = count;
  }

  requestCount(): number {
    return this.log.length;
  }

  /** Requests whose path starts with `prefix` (e.g. `GET /services/data/v62.0/query`). */
  countOf(prefix: string): number {
    return this.log.filter((l) => l.startsWith(prefix)).length;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private ms(): number {
    return this.now().getTime();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    this.log.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.method === 'POST' && url.pathname === '/services/oauth2/token') return this.token(await body(req), res);
    if (!url.pathname.startsWith(`${API}/`))
      return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !this.accessTokens.has(bearer)) {
      return send(res, 401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    }
    this.apiUsed++;
    if (this.throttled > 0) {
      this.throttled--;
      res.setHeader('Sforce-Limit-Info', `api-usage=${this.apiLimit + 1}/${this.apiLimit}`);
      return send(res, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    }
    res.setHeader('Sforce-Limit-Info', `api-usage=${this.apiUsed}/${this.apiLimit}`);
    const path = url.pathname.slice(API.length).replace(/\/$/, '');
    const batch = Number(/batchSize=(\d+)/.exec(String(req.headers['sforce-query-options'] ?? ''))?.[1] ?? 2000);
    if (path === '/query') return this.query(url.searchParams.get('q') ?? '', batch, res);
    const more = /^\/query\/([\w-]+)-(\d+)$/.exec(path);
    if (more) return this.page(more[1]!, Number(more[2]), batch, res);
    if (path === '/sobjects/Contact/describe') return send(res, 200, contactDescribe());
    const del = /^\/sobjects\/(Account|Contact)\/deleted$/.exec(path);
    if (del) return this.getDeleted(del[1] as 'Account' | 'Contact', url.searchParams, res);
    return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  }

  private token(form: URLSearchParams, res: ServerResponse): undefined {
    if (form.get('grant_type') !== 'refresh_token' || form.get('client_id') !== this.clientId) {
      return send(res, 400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
    }
    if (this.revoked || form.get('refresh_token') !== this.secret) {
      return send(res, 400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    }
    const token = `00D5g000004ABCD!${randomUUID()}`;
    this.accessTokens.add(token);
    send(res, 200, {
      access_token: token,
      signature: 'c2lnbmF0dXJl',
      scope: 'refresh_token api',
      instance_url: this.url,
      id: `${this.url}/id/00D5g000004ABCDEAA/0055g00000A1B2CAAV`,
      token_type: 'Bearer',
      issued_at: String(this.ms()),
    });
  }

  private query(soql: string, batch: number, res: ServerResponse): undefined {
    const m = /^SELECT (.+) FROM (Account|Contact)(?: WHERE SystemModstamp >= (\S+))? ORDER BY SystemModstamp, Id$/.exec(soql.trim());
    if (!m) return send(res, 400, [{ errorCode: 'MALFORMED_QUERY', message: `unexpected query: ${soql}` }]);
    if (m[2] === 'Contact' && !this.contactsToMultipleAccounts && soql.includes('AccountContactRelations')) {
      const message = "Didn't understand relationship 'AccountContactRelations' in FROM part of query call.";
      return send(res, 400, [{ errorCode: 'INVALID_TYPE', message }]);
    }
    const since = m[3] ? Date.parse(m[3]) : Number.NEGATIVE_INFINITY;
    const fields = splitFields(m[1]!);
    const rows = m[2] === 'Account' ? [...this.accounts.values()] : [...this.contacts.values()];
    const picked = rows.filter((r) => r.modified >= since).sort((a, b) => a.modified - b.modified || a.Id.localeCompare(b.Id));
    const records: Record<string, unknown>[] = [];
    for (const r of picked) {
      const rec = m[2] === 'Account' ? accountRecord(r as Account, fields) : contactRecord(r as Contact, fields);
      if (typeof rec === 'string')
        return send(res, 400, [{ errorCode: 'INVALID_FIELD', message: `No such column '${rec}' on entity '${m[2]}'` }]);
      records.push(rec);
    }
    const locator = `01g5g00000${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    this.cursors.set(locator, records);
    this.page(locator, 0, batch, res);
  }

  private page(locator: string, offset: number, batch: number, res: ServerResponse): undefined {
    const records = this.cursors.get(locator);
    if (!records) return send(res, 400, [{ errorCode: 'INVALID_QUERY_LOCATOR', message: 'invalid query locator' }]);
    const size = Math.min(Math.max(batch, 200), 2000);
    const end = offset + size;
    const done = end >= records.length;
    send(res, 200, {
      totalSize: records.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `${API}/query/${locator}-${end}` }),
      records: records.slice(offset, end),
    });
  }

  private getDeleted(type: 'Account' | 'Contact', params: URLSearchParams, res: ServerResponse): undefined {
    const start = floorMinute(Date.parse(params.get('start') ?? ''));
    const end = floorMinute(Math.min(Date.parse(params.get('end') ?? ''), this.ms()));
    const earliest = floorMinute(this.ms() - 15 * DAY_MS);
    if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
      return send(res, 400, [{ errorCode: 'INVALID_DATE', message: 'start and end must be valid dates, start before end' }]);
    }
    if (start < earliest) {
      return send(res, 400, [{ errorCode: 'INVALID_REPLICATION_DATE', message: 'startDate cannot be more than 15 days ago' }]);
    }
    const deletedRecords = this.deleted
      .filter((d) => d.type === type && d.at >= start && d.at < end)
      .map((d) => ({ id: d.id, deletedDate: sfDate(d.at) }));
    send(res, 200, { deletedRecords, earliestDateAvailable: sfDate(earliest), latestDateCovered: sfDate(end) });
  }
}

/** Top-level SELECT fields; a parenthesised sub-query is one field. */
function splitFields(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function attributes(type: string, id: string) {
  return { type, url: `${API}/sobjects/${type}/${id}` };
}

function accountRecord(a: Account, fields: string[]): Record<string, unknown> | string {
  const rec: Record<string, unknown> = { attributes: attributes('Account', a.Id) };
  for (const f of fields) {
    if (f === 'Id' || f === 'Name' || f === 'Website') rec[f] = a[f];
    else if (f === 'SystemModstamp') rec[f] = sfDate(a.modified);
    else return f;
  }
  return rec;
}

function contactRecord(c: Contact, fields: string[]): Record<string, unknown> | string {
  const rec: Record<string, unknown> = { attributes: attributes('Contact', c.Id) };
  for (const f of fields) {
    const secondary = SECONDARY_FIELDS.indexOf(f as (typeof SECONDARY_FIELDS)[number]);
    if (f === 'Id' || f === 'AccountId' || f === 'Email') rec[f] = c[f];
    else if (f === 'SystemModstamp') rec[f] = sfDate(c.modified);
    else if (secondary >= 0) rec[f] = c.secondary[secondary] ?? null;
    else if (/^\(SELECT AccountId FROM AccountContactRelations\)$/.test(f)) {
      // A parent-to-child sub-query answers null when the parent has no child rows.
      rec.AccountContactRelations = c.accountIds.length
        ? {
            totalSize: c.accountIds.length,
            done: true,
            records: c.accountIds.map((a) => ({ attributes: attributes('AccountContactRelation', `07k${a}`), AccountId: a })),
          }
        : null;
    } else return f;
  }
  return rec;
}

function contactDescribe() {
  const field = (name: string, type: string) => ({ name, type, label: name });
  return {
    name: 'Contact',
    fields: [
      field('Id', 'id'),
      field('AccountId', 'reference'),
      field('LastName', 'string'),
      field('Email', 'email'),
      ...SECONDARY_FIELDS.map((f) => field(f, 'email')),
      field('SystemModstamp', 'datetime'),
    ],
  };
}

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, json: unknown): undefined {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(json));
}
