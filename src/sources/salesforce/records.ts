// What Salesforce records become: an Account is a company (its Website's host is its domain),
// a Contact is a person with every email-type field by its API name, in the Account it belongs
// to and, with Contacts to Multiple Accounts, every Account of its AccountContactRelations.
import type { SourceCompany, SourceContact } from '../types.js';

export const PRIMARY_EMAIL_FIELD = 'Email';
/** The relation sub-query; orgs without Contacts to Multiple Accounts refuse it (INVALID_TYPE). */
export const RELATIONS_SUBQUERY = '(SELECT AccountId FROM AccountContactRelations)';

type SfRecord = Record<string, unknown>;

/** SOQL datetime literal (no quotes, no milliseconds): 2026-12-06T07:00:00Z. */
function soqlDate(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Oldest first, so a page's records are never newer than the ones after it. */
export function soql(object: 'Account' | 'Contact', fields: string[], since: string | null): string {
  const where = since ? ` WHERE SystemModstamp >= ${soqlDate(since)}` : '';
  return `SELECT ${fields.join(', ')} FROM ${object}${where} ORDER BY SystemModstamp, Id`;
}

export const ACCOUNT_FIELDS = ['Id', 'Name', 'Website', 'SystemModstamp'];

export function contactFields(emailFields: string[], withRelations: boolean): string[] {
  return ['Id', 'AccountId', ...emailFields, 'SystemModstamp', ...(withRelations ? [RELATIONS_SUBQUERY] : [])];
}

/** `https://www.Acme.com/about`, `acme.com` → `acme.com`; anything unparseable → none. */
export function websiteDomain(website: unknown): string[] {
  if (typeof website !== 'string' || !website.trim()) return [];
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(website.trim()) ? website.trim() : `https://${website.trim()}`);
    const host = url.hostname.toLowerCase().replace(/^www\./, '');
    return host.includes('.') ? [host] : [];
  } catch {
    return [];
  }
}

export function recordUrl(instanceUrl: string, object: 'Account' | 'Contact', id: string): string {
  return `${instanceUrl.replace(/\/+$/, '')}/lightning/r/${object}/${id}/view`;
}

export function toCompany(rec: SfRecord, instanceUrl: string): SourceCompany {
  const id = String(rec.Id);
  return {
    externalId: id,
    name: typeof rec.Name === 'string' ? rec.Name : id,
    domains: websiteDomain(rec.Website),
    url: recordUrl(instanceUrl, 'Account', id),
  };
}

export function toContact(rec: SfRecord, emailFields: string[], instanceUrl: string): SourceContact {
  const id = String(rec.Id);
  const emails: Record<string, string[]> = {};
  for (const f of emailFields) {
    const v = rec[f];
    emails[f] = typeof v === 'string' && v.trim() ? [v.trim()] : [];
  }
  const companyIds: string[] = [];
  const add = (a: unknown) => {
    if (typeof a === 'string' && a && !companyIds.includes(a)) companyIds.push(a);
  };
  add(rec.AccountId);
  const relations = rec.AccountContactRelations as { records?: SfRecord[] } | null | undefined;
  for (const r of relations?.records ?? []) add(r.AccountId);
  return { externalId: id, emails, primaryField: PRIMARY_EMAIL_FIELD, companyIds, url: recordUrl(instanceUrl, 'Contact', id) };
}
