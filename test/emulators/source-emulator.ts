// The one shape every directory-source emulator (HubSpot, Salesforce, Zendesk) offers the tests,
// so a scenario (initial sync, an edit, a deletion, a revoked token, throttling) is written once
// and run against each source. Each emulator serves its provider's documented responses and
// errors over HTTP on 127.0.0.1 and is driven by the provider's official client.
import type { SourceKind } from '../../src/sources/types.js';

export interface SeedCompany {
  id: string;
  name: string;
  domain?: string;
}

export interface SeedContact {
  id: string;
  email: string;
  /** Secondary addresses (HubSpot hs_additional_emails, a Salesforce custom field, extra Zendesk identities). */
  secondaryEmails?: string[];
  companyIds: string[];
}

export interface SourceEmulator {
  readonly kind: SourceKind;
  /** Base URL of the emulator (what the client is pointed at). */
  readonly url: string;
  /** What `source connect` stores for this source, pointed at the emulator. */
  readonly settings: Record<string, unknown>;
  /** The credential the official client presents (token, refresh token); revokeToken() invalidates it. */
  readonly secret: string;
  seed(companies: SeedCompany[], contacts: SeedContact[]): void;
  /** Add or edit a company/contact; it becomes "modified now" for the next incremental sync. */
  upsertCompany(c: SeedCompany): void;
  upsertContact(c: SeedContact): void;
  /** Delete (HubSpot: archive) at the source: the next incremental sync reports it deleted. */
  deleteContact(id: string): void;
  deleteCompany(id: string): void;
  /** Merge `goneId` into `keepId` the way the provider does (the gone record is reported deleted). */
  mergeContacts(keepId: string, goneId: string): void;
  revokeToken(): void;
  /** The next `count` API requests answer the provider's rate-limit error with its retry header. */
  throttleNext(count: number, retryAfterSeconds: number): void;
  /** API requests served so far (for "no request after the refusal" and paging counts). */
  requestCount(): number;
  close(): Promise<void>;
}
