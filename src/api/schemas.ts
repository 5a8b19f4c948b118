// Request and response shapes of the HTTP API (zod). The OpenAPI document at /openapi.json
// is generated from these; responses are also parsed with them, so a route can never send
// a field that is not declared here (no secret can slip out by accident).
import { z } from 'zod';
import { HTTP_STATUS, type AppErrorCode } from '../app/errors.js';

export const Id = z.string().min(1).max(200);
export const IsoDate = z.string().describe('ISO-8601 UTC time');
export const Address = z.string().trim().min(3).max(320).describe('an email address');

/** Every code an error answer can carry: the AppError union (app/errors.ts), and `internal` for a 500. */
const ERROR_CODES = [...(Object.keys(HTTP_STATUS) as AppErrorCode[]), 'internal'] as const;

export const ErrorBody = z
  .object({
    error: z
      .enum(ERROR_CODES)
      .describe(
        'a stable code; it alone decides the HTTP status: invalid 400, unauthorized 401, forbidden 403, not_found 404, conflict and ' +
          'needs_reauth 409, rejected (a server refused the credentials or request; nothing was saved) and refused_by_policy 422, ' +
          'rate_limited 429, unavailable (a server we need cannot be reached now; retry later) 503, internal 500',
      ),
    message: z.string().describe('what went wrong, in plain words'),
    fields: z
      .array(z.object({ field: z.string().describe('where: body.email, query.limit, params.accountId, …'), message: z.string() }))
      .optional()
      .describe('for invalid input: each field that was wrong'),
  })
  .describe('Error');

export const Workspace = z.object({
  id: z.string(),
  slug: z.string(),
  internalDomains: z.array(z.string()),
  syncIntervalMinutes: z.number().int(),
});
export const WorkspacePatch = z.object({
  syncIntervalMinutes: z.number().int().min(1).max(30).describe('minutes between scheduled syncs (1–30; the promise to users is 30)'),
});

export const Role = z.enum(['admin', 'csm']);
export const Token = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  teammate: z.string().nullable().describe("a CSM token's own teammate: whose connections it may connect, re-authorize and disconnect"),
});
export const NewToken = z.object({
  name: z.string().trim().min(1).max(100),
  role: Role,
  expires: z.string().max(20).optional().describe('refuse the token after this long: 90d, 12h, 2w, 30m (default: never)'),
  teammate: Address.optional().describe(
    "bind a CSM token to its own teammate: it may connect, re-authorize and disconnect that teammate's accounts",
  ),
});
export const CreatedToken = Token.extend({ token: z.string().describe('shown once; only its SHA-256 is stored') });

export const Teammate = z.object({ id: z.string(), email: z.string(), aliases: z.array(z.string()), name: z.string().nullable() });
export const NewTeammate = z.object({
  email: Address,
  aliases: z.array(Address).max(50).default([]),
  name: z.string().max(200).optional(),
});

export const Account = z.object({ id: z.string(), name: z.string() });
export const NewAccount = z.object({ id: z.string().trim().min(1).max(200), name: z.string().trim().min(1).max(500) });

export const Source = z
  .string()
  .regex(
    /^(manual|csv|api|(crm|support|integration):[a-z0-9][a-z0-9_.-]*)$/,
    'must be manual, csv, api, crm:<name>, support:<name> or integration:<name>',
  );
export const EndUser = z.object({
  id: z.string(),
  accountId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  source: z.string(),
  externalId: z.string().nullable(),
  sourceUrl: z
    .string()
    .nullable()
    .optional()
    .describe('the record at its directory source (HubSpot contact, …); null for manual and imported end users'),
  sourceSyncedAt: z.string().nullable().optional().describe('when a directory-source sync last saw the record'),
});
export const NewEndUser = z.object({
  email: Address,
  name: z.string().max(200).optional(),
  source: Source.default('api'),
  externalId: z.string().max(200).optional(),
});
export const AccountDetail = z.object({ account: Account, endUsers: z.array(EndUser) });

export const LinkVia = z.object({
  email: z.string(),
  endUserId: z.string(),
  source: z.string(),
  externalId: z.string().optional(),
  sourceUrl: z.string().optional(),
  sourceSyncedAt: z.string().optional(),
  field: z.string(),
  partstat: z.string().optional(),
});
export const LinkChange = z.object({ kind: z.enum(['email', 'meeting']), id: z.string(), ref: z.string(), accountId: z.string() });
/** What a directory change could not re-read: every change reports it alike (manual, a source's disconnect). */
export const Leftovers = {
  unavailable: z.number().int().describe('items whose source could not be re-read and never will be (gone, malformed)'),
  deferred: z
    .number()
    .int()
    .describe(
      'emails whose source refused the re-read for now (busy, unreachable, credentials to renew): re-read after later syncs of a mailbox holding them',
    ),
  deferredBecause: z
    .array(z.object({ provider: z.string(), code: z.string(), emails: z.number().int() }))
    .describe('the deferred emails by provider and refusal code (THROTTLED, NETWORK, AUTH_FAILED)'),
};

export const ChangeResult = z.object({
  linked: z.array(LinkChange).describe('links this change added (the past, re-decided)'),
  unlinked: z.array(LinkChange).describe('links this change removed'),
  unavailable: Leftovers.unavailable,
  deferred: Leftovers.deferred.optional(),
  deferredBecause: Leftovers.deferredBecause.optional(),
  warning: z.string().optional().describe('e.g. "its next import will recreate it" for a deleted end user from a source'),
  auditId: z.number().int().optional().describe('the audit-log entry this change wrote: POST /v1/audit/{id}/undo undoes it'),
});

export const ImportRequest = z.object({
  source: Source.default('csv'),
  csv: z.string().min(1).max(20_000_000).describe('columns account_id,email,name,external_id'),
});
export const ImportResult = ChangeResult.extend({
  source: z.string(),
  counts: z.object({ created: z.number(), unchanged: z.number(), skipped_suppressed: z.number(), error: z.number() }),
  rows: z.array(
    z.object({
      line: z.number(),
      email: z.string().optional(),
      accountId: z.string().optional(),
      outcome: z.enum(['created', 'unchanged', 'skipped_suppressed', 'error']),
      reason: z.string().optional(),
    }),
  ),
});

export const BlocklistEntry = z.object({ entry: z.string(), kind: z.enum(['domain', 'address']) });
export const NewBlocklistEntry = z.object({
  entry: z.string().trim().min(1).max(320).describe('a domain (covers its subdomains) or an exact address'),
  confirm: z
    .string()
    .trim()
    .max(320)
    .optional()
    .describe("the domain typed again: required when it is the domain of any account's end users (else 400, field body.confirm)"),
});

export const TimelineItem = z.object({
  kind: z.enum(['email', 'meeting']),
  id: z.string(),
  at: z.string(),
  via: z.array(LinkVia),
  messageId: z.string().nullable().optional(),
  subject: z.string().optional(),
  uid: z.string().optional(),
  occurrence: z.string().optional(),
  title: z.string().optional(),
});
export const Timeline = z.object({
  account: Account,
  items: z.array(TimelineItem),
  next: z.string().optional().describe('more, older items: pass it as `before` for the next page'),
});

export const Check = z.object({ rule: z.string(), status: z.enum(['pass', 'fail', 'n/a']), code: z.string(), detail: z.string() });
export const Hint = z.object({
  kind: z.string(),
  participant: z.string(),
  endUserEmail: z.string(),
  accountId: z.string(),
  detail: z.string(),
});
export const SearchedConnection = z.object({
  id: z.string(),
  teammate: z.string(),
  provider: z.string(),
  status: z.string(),
  authorizedAt: z.string(),
  lastSyncAt: z.string().nullable(),
  nextSyncAt: z.string().nullable(),
});
export const RemedyAction = z
  .object({
    kind: z
      .enum(['add_end_user', 'delete_end_user', 'blocklist', 'unblock', 'include_folder', 'reauthorize', 'sync_now'])
      .describe(
        'add_end_user (email, accountId when known: else the person picks the account): addEndUser; delete_end_user (accountId, email, ' +
          'suppress): previewChange then deleteEndUser; blocklist (entry): previewChange then addToBlocklist; unblock (entry): ' +
          'removeFromBlocklist; include_folder (connectionId, folder): setConnectionFolders; reauthorize (connectionId, provider): ' +
          'reauthorize; sync_now (connectionId): syncNow',
      ),
    accountId: z.string().optional(),
    email: z.string().optional(),
    suppress: z.boolean().optional(),
    entry: z.string().optional().describe('a domain or an exact address'),
    connectionId: z.string().optional(),
    folder: z.string().optional(),
    provider: z.string().optional(),
  })
  .describe("one remedy's button: what to call, with which parameters");
export const Explanation = z.object({
  kind: z.enum(['email', 'meeting']),
  outcome: z.enum(['linked', 'not_linked', 'upcoming', 'unknown']),
  ref: z.string(),
  accounts: z.array(z.object({ id: z.string(), via: z.array(LinkVia) })),
  checks: z.array(Check),
  remedies: z.array(z.string()),
  remedyCodes: z.array(z.string()),
  remedyActions: z.array(z.array(RemedyAction)).describe('per remedy, in the same order: the actions that carry it out ([] for advice)'),
  hints: z.array(Hint),
  searched: z.array(SearchedConnection).optional(),
  occurrence: z.string().optional(),
  occurrences: z.array(z.object({ start: z.string(), outcome: z.string() })).optional(),
  fromStoredCodes: z.boolean().optional(),
  summary: z
    .string()
    .optional()
    .describe('one sentence for a person, where the answer needs one (a purged item, a waiting re-read, an email no mailbox can re-read)'),
  waiting: z
    .object({
      since: z.string(),
      attempts: z.number().int(),
      lastAttemptAt: z.string(),
      code: z.string().describe('THROTTLED, NETWORK or AUTH_FAILED'),
      provider: z.string(),
    })
    .optional()
    .describe(
      'email: a directory change could not re-read it yet (its provider refused for now); re-read after later syncs of a mailbox holding them',
    ),
  where: z
    .array(z.object({ connection: z.string(), teammate: z.string().nullable(), folder: z.string().nullable() }))
    .optional()
    .describe('email: every sighting and the folder it was seen in'),
});
export const ExplainEmailQuery = z.object({ messageId: z.string().trim().min(1).max(998).describe('Message-ID, with or without <>') });
export const ExplainMeetingQuery = z.object({
  uid: z.string().trim().min(1).max(1000),
  occurrence: z.iso.datetime({ offset: true }).optional().describe('start of one occurrence of a series'),
});

export const SearchQuery = z.object({ q: z.string().trim().min(2).max(320) });
export const SearchResult = z.object({
  query: z.string(),
  accounts: z.array(Account.extend({ endUser: EndUser.omit({ accountId: true }) })),
  teammates: z.array(Teammate),
  activities: z.array(TimelineItem.omit({ id: true, via: true }).extend({ accountId: z.string() })),
});

export const AuditEntry = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  details: z.record(z.string(), z.unknown()),
  source: z.string().nullable().describe('from where: the client address (API), "cli"; null for entries older than this field'),
});
export const AuditListEntry = AuditEntry.extend({
  id: z.number().int(),
  undoable: z.boolean().describe('POST /v1/audit/{id}/undo can undo it (an end-user add or delete, a blocklist change, not undone yet)'),
});
export const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export const Hygiene = z.object({
  internalAddresses: z
    .array(EndUser.extend({ why: z.string() }))
    .describe('end users on an internal domain or a teammate address: internal mail with them gets logged'),
  blocklisted: z.array(EndUser.extend({ why: z.string() })).describe('end users the blocklist silences: they never cause a link'),
  sharedDomains: z
    .array(z.object({ domain: z.string(), accounts: z.array(z.string()), endUsers: z.number() }))
    .describe('domains with end users in several accounts: a partner, reseller or free-mail domain'),
  multiAccountAddresses: z
    .array(z.object({ email: z.string(), accounts: z.array(z.string()) }))
    .describe('one address, end user in many accounts: its mail is logged on all of them'),
});
export const HygieneQuery = z.object({ minAccounts: z.coerce.number().int().min(2).max(100).default(3) });

export const Webhook = z.object({ url: z.string(), events: z.array(z.string()), enabled: z.boolean() });
export const WebhookPut = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  events: z
    .array(z.enum(['activity.linked', 'activity.unlinked', 'connection.needs_reauth']))
    .min(1)
    .default(['activity.linked', 'activity.unlinked', 'connection.needs_reauth']),
  enabled: z.boolean().default(true),
  secret: z.string().min(16).max(200).optional().describe('HMAC key; made up and returned once if omitted'),
});
export const WebhookSaved = Webhook.extend({ secret: z.string().optional().describe('only when the server made it up') });
export const Delivery = z.object({
  id: z.string(),
  event: z.string(),
  state: z.string(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
});

export const AccountParams = z.object({ accountId: Id });
export const ConnectionParams = z.object({ connectionId: Id });

export const NewInternalDomain = z.object({
  domain: z.string().trim().min(1).max(253).describe("a domain of the team's own mail, e.g. ourco.com (covers its subdomains)"),
});
export const InternalDomainChange = ChangeResult.extend({
  internalDomains: z.array(z.string()).describe('the internal domains after the change'),
});
