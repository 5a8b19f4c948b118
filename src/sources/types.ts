// A directory source: a CRM or support desk whose companies become accounts and whose contacts
// become end users. Each provider lives in its own folder (hubspot/, salesforce/, zendesk/) on
// its official client and implements `DirectorySource`; everything after the page (mapping,
// suppressions, re-deciding past mail, status) is shared and provider-blind.
//
// Errors are `SourceError` from providers/types.ts with the same codes as mail connectors:
// AUTH_FAILED (revoked or wrong token: the source needs re-authorization, the directory is left
// alone), THROTTLED (with retryAfterMs from the provider's headers), NETWORK, CURSOR_INVALID
// (start again from an initial sync), INTERNAL.

export type SourceKind = 'hubspot' | 'salesforce' | 'zendesk';

/**
 * The kinds, apart from their connectors (registry.ts): what validates a kind must not load
 * jsforce and the HubSpot client into every CLI process (docs/benchmarks.md).
 */
export const SOURCE_KINDS: readonly SourceKind[] = ['hubspot', 'salesforce', 'zendesk'];

/** A company (HubSpot company, Salesforce Account, Zendesk organization). */
export interface SourceCompany {
  externalId: string;
  name: string;
  /** Domains the source knows for the company (HubSpot `domain`, Salesforce `Website`'s host, Zendesk `domain_names`). */
  domains: string[];
  /** Link to the record in the source's own UI, shown by explain and the remedies. */
  url?: string | undefined;
}

/** A person (HubSpot contact, Salesforce Contact, Zendesk user with role end-user). */
export interface SourceContact {
  externalId: string;
  /**
   * Every email field the source holds, by the source's field name (e.g. `email`,
   * `hs_additional_emails`, `Email`, `npe01__AlternateEmail__c`, Zendesk identities). The mapping
   * decides which of them make end users; the default is the primary field only.
   */
  emails: Record<string, string[]>;
  /** The primary email field's name among `emails` keys (HubSpot `email`, Salesforce `Email`, Zendesk `email`). */
  primaryField: string;
  /** External ids of every company the contact belongs to (a contact in two companies is an end user of both). */
  companyIds: string[];
  url?: string | undefined;
}

/** One page of changes since the cursor the previous page returned. */
export interface SourcePage {
  companies: SourceCompany[];
  contacts: SourceContact[];
  /** Records deleted (or archived, or merged away) at the source since the cursor. */
  deletedCompanyIds: string[];
  deletedContactIds: string[];
  /** Opaque; saved after the page is applied, handed back on the next call. */
  cursor: string;
}

export interface DirectorySource {
  readonly kind: SourceKind;
  /** Pages of changes since `cursor`; `null` is an initial sync of everything. */
  changes(cursor: string | null, signal?: AbortSignal): AsyncIterable<SourcePage>;
}
