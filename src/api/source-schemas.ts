// Request and response shapes of the directory-source routes (/v1/sources): zod, so they are
// checked on the way in and become the OpenAPI document. No answer ever holds a secret.
import { z } from 'zod';
import { Leftovers } from './schemas.js';

const Kind = z.enum(['hubspot', 'salesforce', 'zendesk']);

export const SourceMappingSchema = z.object({
  emailFields: z
    .array(z.string().min(1))
    .min(1)
    .nullable()
    .describe('source fields whose addresses make end users; null: the primary email only (default)'),
  accounts: z
    .enum(['source-id', 'domain', 'external-id'])
    .describe(
      'source-id: each company is its own account (made on first sight); domain / external-id: onto an existing account, else skipped and reported',
    ),
  companyDeleted: z.enum(['keep-account', 'remove-account']).describe('what a company deleted at the source does to its account'),
});

export const NewSource = z.object({
  kind: Kind,
  settings: z
    .record(z.string(), z.string())
    .describe('hubspot: { baseUrl? } · salesforce: { instanceUrl, clientId, loginUrl? } · zendesk: { url, email }'),
  secret: z
    .string()
    .min(1)
    .describe('hubspot: private-app token · salesforce: OAuth refresh token · zendesk: API token; stored encrypted, never answered'),
  mapping: SourceMappingSchema.partial().optional(),
});

const Counts = z.object({ added: z.number().int(), updated: z.number().int(), removed: z.number().int(), skipped: z.number().int() });

export const SourceSchema = z.object({
  id: z.string(),
  kind: z.string(),
  source: z.string().describe("the end users' source: crm:hubspot, crm:salesforce, support:zendesk"),
  status: z.string().describe('active, throttled (waiting as the provider asked), error, needs_reauth'),
  problem: z.string().nullable().describe('what is wrong, in plain words'),
  settings: z.record(z.string(), z.unknown()),
  mapping: SourceMappingSchema,
  authorizedAt: z.string(),
  lastSyncAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  nextSyncAt: z.string().nullable(),
  counts: Counts.nullable().describe('the last sync: records added, updated, removed, skipped'),
  skipped: z.array(z.unknown()).describe("the last sync's skipped records (up to 100) with their reasons"),
});

export const SourceConnected = z.object({ source: SourceSchema, reauthorized: z.boolean() });

export const SourceParams = z.object({ sourceId: z.string() });

export const SourceSyncRequested = z.object({
  sourceId: z.string(),
  status: z.enum(['queued', 'already_queued', 'due_now']),
});

export const DisconnectSourceQuery = z.object({
  users: z.enum(['keep', 'remove']).describe('keep: its end users stay; remove: they are deleted and their past mail re-decided'),
});

export const SourceDisconnected = z.object({
  sourceId: z.string(),
  removedEndUsers: z.number().int(),
  linked: z.number().int(),
  unlinked: z.number().int(),
  ...Leftovers,
});
