// Table types for Kysely. Portable on purpose (SQLite today, PostgreSQL next): times are
// ISO-8601 UTC text (sortable, same on both), JSON is text, ids are text.
import type { Generated } from 'kysely';

export interface WorkspacesTable {
  id: string;
  slug: string;
  internal_domains: string; // JSON string[]
  sync_interval_minutes: number;
  /** Per-workspace HMAC key for hashed participant addresses (base64). */
  hash_key: string;
  created_at: string;
}

export interface TeammatesTable {
  id: string;
  workspace_id: string;
  email: string;
  name: string | null;
  created_at: string;
}

export interface TeammateAddressesTable {
  workspace_id: string;
  address: string; // normalized
  teammate_id: string;
}

export interface AccountsTable {
  workspace_id: string;
  id: string;
  name: string;
  created_at: string;
}

export interface EndUsersTable {
  id: string;
  workspace_id: string;
  account_id: string;
  email: string;
  email_norm: string;
  name: string | null;
  source: string;
  external_id: string | null;
  other_fields: string | null; // JSON string[]
  created_at: string;
  /** Link to the record at its directory source (migration 010); null for manual and CSV end users. */
  source_url?: string | null;
  /** When a directory-source sync last saw the record (migration 010). */
  source_synced_at?: string | null;
}

export interface SuppressionsTable {
  workspace_id: string;
  source: string;
  account_id: string;
  email_norm: string;
  external_id: string | null;
  created_at: string;
}

export interface BlocklistTable {
  workspace_id: string;
  entry: string;
  kind: 'domain' | 'address';
  created_at: string;
}

export interface ConnectionsTable {
  id: string;
  workspace_id: string;
  teammate_id: string;
  provider: string;
  /** Provider settings without secrets (folder paths, host, port, …). JSON. */
  config: string;
  /** Encrypted credentials (see secrets/secrets.ts), null when the provider needs none. */
  secret_enc: string | null;
  has_mail: number;
  has_calendar: number;
  status: string;
  status_reason: string | null;
  /** First successful authorization: never moved by re-authorization (E2/M2). */
  authorized_at: string;
  last_sync_at: string | null;
  last_success_at: string | null;
  next_sync_at: string | null;
  last_error: string | null;
  progress: string | null; // JSON { done, total }
  created_at: string;
}

export interface CursorsTable {
  connection_id: string;
  stream: 'mail' | 'calendar';
  value: string; // JSON
  updated_at: string;
}

export interface EmailsTable {
  id: string;
  workspace_id: string;
  /** "mid:<message-id>" or "fp:<fingerprint>": one activity however many mailboxes saw it. */
  dedup_key: string;
  message_id: string | null;
  /** Earliest time any mailbox received it. */
  at: string;
  outcome: string;
  /** JSON Decision. For not-linked mail the details are dropped (codes only): no addresses kept. */
  decision: string;
  /** Linked mail only: JSON { from, to, cc, bcc } plain addresses. Null when not linked. */
  participants: string | null;
  subject: string | null;
  body_text: string | null;
  body_html: string | null;
  decided_at: string;
  first_seen_at: string;
  /** Keyed hash of the (first) From address, like participant_hashes (migration 007); null on rows stored before it that kept no addresses. */
  from_hash: string | null;
}

export interface EmailSightingsTable {
  workspace_id: string;
  email_id: string;
  connection_id: string;
  folder: string;
  ref: string;
  at: string;
  seen_at: string;
}

export interface LinksTable {
  workspace_id: string;
  item_id: string;
  account_id: string;
  via: string; // JSON LinkVia[]
  at: string; // the activity's time, for timelines
}

export interface ParticipantHashesTable {
  workspace_id: string;
  kind: 'email' | 'meeting';
  item_id: string;
  /** HMAC-SHA256(workspace key, normalized address), hex. */
  addr_hash: string;
}

export interface CalendarObjectsTable {
  workspace_id: string;
  connection_id: string;
  ref: string;
  version: string;
  ics: string | null;
  /** Provider-expanded occurrences (JSON) when there is no ICS. */
  occurrences: string | null;
  recurring: number;
  /** Occurrences are stored up to this time; later syncs extend it as the clock moves. */
  expanded_until: string;
}

export interface MeetingsTable {
  id: string;
  workspace_id: string;
  uid: string;
  occurrence_start: string;
  title: string;
  data: string; // JSON MeetingOccurrence
  outcome: string;
  decision: string;
  decided_at: string;
  first_seen_at: string;
}

/** What the retention purge keeps of a not-linked item (migration 006). */
export interface TombstonesTable {
  workspace_id: string;
  kind: string;
  key_hash: string;
  occurrence_start: string;
  at: string;
  first_seen_at: string;
  purged_at: string;
  retention_days: number;
  outcome: string;
  codes: string;
  seen_in: string;
  /** Email: the sender's keyed hash, so find by sender + day still answers after the purge (migration 007). */
  from_hash: string | null;
}

/** Completeness per connection and mail folder (migration 008). */
export interface FolderCountsTable {
  workspace_id: string;
  connection_id: string;
  folder: string;
  since: string;
  at_server: number;
  seen: number;
  rescans: number;
  counted_at: string;
}

/** An email a directory change could not re-read yet (migration 015): re-read after its connections sync. */
export interface DeferredRedecisionsTable {
  workspace_id: string;
  email_id: string;
  attempts: number;
  first_failed_at: string;
  last_failed_at: string;
  /** A SourceError code: THROTTLED, NETWORK or AUTH_FAILED. */
  last_error: string;
  /** The provider of the connection that refused last (gmail, graph, …). */
  provider: string;
}

export interface MeetingSightingsTable {
  workspace_id: string;
  meeting_id: string;
  connection_id: string;
  ref: string;
  seen_at: string;
}

export interface ItemErrorsTable {
  workspace_id: string;
  connection_id: string;
  where_ref: string;
  reason: string;
  first_seen_at: string;
  last_seen_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  workspace_id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: string; // JSON { linked: [...], unlinked: [...], ... }
  /** From where: the client address (API), "cli", or null for entries written before it was recorded. */
  source: string | null;
}

export interface OauthStatesUsedTable {
  workspace_id: string;
  /** The random nonce sealed in an OAuth state: recorded when its callback runs, so a replay is refused. */
  nonce: string;
  /** When the state would have expired anyway: the row may be deleted after. */
  expires_at: string;
}

/** A one-time sign-in link's code (store/sign-in-codes.ts): used once, within minutes, for a session token. */
export interface SignInCodesTable {
  /** SHA-256 of the code (hex); the code itself is never stored. */
  code_hash: string;
  workspace_id: string;
  /** The name the session token gets (the audit log's actor). */
  name: string;
  role: 'admin' | 'csm';
  teammate: string | null;
  /** How long the session token lives once the code is used. */
  session_minutes: number;
  created_at: string;
  /** After this instant the code is refused. */
  expires_at: string;
  /** Set when the code is used (once); then token_id names the session token it became. */
  used_at: string | null;
  token_id: string | null;
}

export interface ApiTokensTable {
  id: string;
  workspace_id: string;
  name: string;
  role: 'admin' | 'csm';
  /** SHA-256 of the token (hex); the token itself is never stored. */
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  /** After this instant the token is refused; null: never expires. */
  expires_at: string | null;
  /** The last request it authenticated, written at most once a minute. */
  last_used_at: string | null;
  /** A CSM token's own teammate (address): whose connections it may connect and re-authorize; null: none. */
  teammate: string | null;
}

export interface WebhooksTable {
  workspace_id: string;
  url: string;
  secret_enc: string;
  events: string; // JSON string[]
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookOutboxTable {
  id: string;
  workspace_id: string;
  event: string;
  payload: string; // JSON
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  state: 'pending' | 'delivered' | 'failed';
  delivered_at: string | null;
  last_error: string | null;
}

/** A directory source (migration 010): HubSpot, Salesforce, Zendesk. */
export interface SourcesTable {
  id: string;
  workspace_id: string;
  kind: string;
  settings: string; // JSON, no secret
  secret_enc: string;
  mapping: string; // JSON SourceMapping
  cursor: string | null;
  status: string;
  status_reason: string | null;
  authorized_at: string;
  last_sync_at: string | null;
  last_success_at: string | null;
  next_sync_at: string | null;
  counts: string | null; // JSON SyncCounts of the last sync
  last_report: string | null; // JSON: the last sync's skipped records (capped)
  last_error: string | null;
  created_at: string;
}

/** Which account a source company maps onto (migration 010). */
export interface SourceCompaniesTable {
  workspace_id: string;
  source_id: string;
  external_id: string;
  account_id: string;
  url: string | null;
  synced_at: string;
}

export interface ReauthAlertsTable {
  workspace_id: string;
  /** One row per connection: its current (or last) breakage. */
  connection_id: string;
  broken_at: string;
  reason: string;
  /** Where and when the teammate was emailed about this breakage; null: not (no SMTP, no address). */
  emailed_to: string | null;
  emailed_at: string | null;
  /** When it was re-authorized; null while it is broken. */
  resolved_at: string | null;
}

export interface AlertDigestsTable {
  workspace_id: string;
  /** The admin's address the daily digest goes to. */
  address: string;
  subscribed_at: string;
  last_sent_at: string | null;
}

export interface DB {
  workspaces: WorkspacesTable;
  teammates: TeammatesTable;
  teammate_addresses: TeammateAddressesTable;
  accounts: AccountsTable;
  end_users: EndUsersTable;
  suppressions: SuppressionsTable;
  blocklist: BlocklistTable;
  connections: ConnectionsTable;
  cursors: CursorsTable;
  emails: EmailsTable;
  email_sightings: EmailSightingsTable;
  /** An email's links also carry what its timeline row shows (migration 016): written with the link. */
  email_links: LinksTable & { message_id: string | null; subject: string | null };
  meeting_links: LinksTable;
  participant_hashes: ParticipantHashesTable;
  calendar_objects: CalendarObjectsTable;
  meetings: MeetingsTable;
  meeting_sightings: MeetingSightingsTable;
  tombstones: TombstonesTable;
  folder_counts: FolderCountsTable;
  deferred_redecisions: DeferredRedecisionsTable;
  item_errors: ItemErrorsTable;
  audit_log: AuditLogTable;
  oauth_states_used: OauthStatesUsedTable;
  api_tokens: ApiTokensTable;
  sign_in_codes: SignInCodesTable;
  webhooks: WebhooksTable;
  webhook_outbox: WebhookOutboxTable;
  sources: SourcesTable;
  source_companies: SourceCompaniesTable;
  reauth_alerts: ReauthAlertsTable;
  alert_digests: AlertDigestsTable;
}
