// Kind → connector. Each provider folder exports `create<Kind>Source(settings, secret, deps)`;
// `settings` is the JSON stored with the source (no secret), `secret` the decrypted credential.
import { policyFetch } from '../net/policy-fetch.js';
import type { SourceDeps } from './deps.js';
import { createHubSpotSource } from './hubspot/index.js';
import { createSalesforceSource, type SalesforceSettings } from './salesforce/index.js';
import type { DirectorySource, SourceKind } from './types.js';
import { createZendeskSource } from './zendesk/index.js';

export type SourceFactory = (settings: Record<string, unknown>, secret: string, deps: SourceDeps) => DirectorySource;

/** Salesforce and Zendesk speak through a fetch: the outbound policy's, unless a test hands its own. */
const fetchOf = (deps: SourceDeps) => ({ now: deps.now, fetch: deps.fetch ?? policyFetch(deps.outbound) });

export const SOURCE_FACTORIES: Record<SourceKind, SourceFactory> = {
  hubspot: createHubSpotSource,
  salesforce: (settings, secret, deps) => createSalesforceSource(settings as unknown as SalesforceSettings, secret, fetchOf(deps)),
  zendesk: (settings, secret, deps) => createZendeskSource(settings as { url: string; email: string }, secret, fetchOf(deps)),
};

export function directorySourceFor(kind: SourceKind, settings: Record<string, unknown>, secret: string, deps: SourceDeps): DirectorySource {
  return SOURCE_FACTORIES[kind](settings, secret, deps);
}
