// What an admin decides about a directory source, and `explain` shows: which email field(s)
// make end users, how a source company finds its Touchpoint account, and what a deletion at the
// source does. Pure: the engine (app/source-apply.ts) applies it page by page.
import type { SourceContact, SourceKind } from './types.js';

export type AccountMatch =
  /** Each company is its own account, `<kind>-<company id>` (created on first sight). */
  | 'source-id'
  /** Onto an existing account whose id or name is one of the company's domains; none: skipped and reported. */
  | 'domain'
  /** Onto an existing account whose id is the company's id at the source; none: skipped and reported. */
  | 'external-id';

export interface SourceMapping {
  /** Source email fields that make end users; null: the primary field only (the default). */
  emailFields: string[] | null;
  accounts: AccountMatch;
  /** A company deleted at the source: keep its account (default), or remove the end users this source gave it and the account once empty. */
  companyDeleted: 'keep-account' | 'remove-account';
}

export const DEFAULT_MAPPING: SourceMapping = { emailFields: null, accounts: 'source-id', companyDeleted: 'keep-account' };

/** The end users' `source`: the words the rest of Touchpoint already uses (CSV imports, remedies). */
export const SOURCE_NAME: Record<SourceKind, string> = {
  hubspot: 'crm:hubspot',
  salesforce: 'crm:salesforce',
  zendesk: 'support:zendesk',
};

/** How people call the source and its records, for remedies ("remove … from HubSpot contact 123"). */
export const SOURCE_WORDS: Record<SourceKind, { product: string; contact: string }> = {
  hubspot: { product: 'HubSpot', contact: 'contact' },
  salesforce: { product: 'Salesforce', contact: 'Contact' },
  zendesk: { product: 'Zendesk', contact: 'user' },
};

export function kindOfSourceName(source: string): SourceKind | undefined {
  return (Object.keys(SOURCE_NAME) as SourceKind[]).find((k) => SOURCE_NAME[k] === source);
}

/** The addresses a contact gives, split into those the mapping uses and the others (kept as hints). */
export function contactAddresses(c: SourceContact, m: SourceMapping): { used: string[]; other: string[] } {
  const fields = m.emailFields ?? [c.primaryField];
  const used: string[] = [];
  const other: string[] = [];
  for (const [field, values] of Object.entries(c.emails)) {
    for (const raw of values) {
      const v = raw.trim();
      if (!v) continue;
      const into = fields.includes(field) ? used : other;
      if (!into.some((x) => x.toLowerCase() === v.toLowerCase())) into.push(v);
    }
  }
  return { used, other: other.filter((o) => !used.some((u) => u.toLowerCase() === o.toLowerCase())) };
}

/** A stored mapping, with the defaults for what it leaves out. */
export function readMapping(json: string | null | undefined): SourceMapping {
  const raw = json ? (JSON.parse(json) as Partial<SourceMapping>) : {};
  return { ...DEFAULT_MAPPING, ...raw };
}
