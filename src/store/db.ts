// The store every layer above sees: one Kysely<DB>, migrated on open. The two databases
// live in dialects/ (sqlite.ts, the embedded default; postgres.ts), chosen in open.ts.
import type { Kysely, Migration } from 'kysely';
import { MigrationError, runMigrations, type MigrationStep } from './migrate.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-service.js';
import * as m003 from './migrations/003-drop-message-id-index.js';
import * as m004 from './migrations/004-audit-by-workspace.js';
import * as m005 from './migrations/005-token-expiry.js';
import * as m006 from './migrations/006-tombstones.js';
import * as m007 from './migrations/007-find-indexes.js';
import * as m008 from './migrations/008-folder-counts.js';
import * as m009 from './migrations/009-audit-source-token-teammate-oauth-states.js';
import * as m010 from './migrations/010-directory-sources.js';
import * as m011 from './migrations/011-alerts.js';
import * as m013 from './migrations/013-sign-in-codes.js';
import * as m014 from './migrations/014-timeline-and-search-indexes.js';
import * as m015 from './migrations/015-deferred-redecisions.js';
import * as m016 from './migrations/016-email-links-carry-shown-columns.js';
import * as m017 from './migrations/017-idn-ascii-domains.js';
import type { DB } from './schema.js';

export type Store = Kysely<DB>;

const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-service': m002,
  '003-drop-message-id-index': m003,
  '004-audit-by-workspace': m004,
  '005-token-expiry': m005,
  '006-tombstones': m006,
  '007-find-indexes': m007,
  '008-folder-counts': m008,
  '009-audit-source-token-teammate-oauth-states': m009,
  '010-directory-sources': m010,
  '011-alerts': m011,
  '013-sign-in-codes': m013,
  '014-timeline-and-search-indexes': m014,
  '015-deferred-redecisions': m015,
  '016-email-links-carry-shown-columns': m016,
  '017-idn-ascii-domains': m017,
};

/** One line per migration: what it changes, for `touchpoint migrate --dry-run`. */
const DESCRIPTIONS: Record<string, string> = {
  '001-initial': 'creates the workspace, directory, connection, email, meeting and audit tables',
  '002-service': 'adds API tokens, the workspace webhook and its outbox',
  '003-drop-message-id-index': 'drops the index emails_by_message_id (emails_dedup answers the same look-ups)',
  '004-audit-by-workspace': 'adds an index on audit_log (workspace, id)',
  '005-token-expiry': 'adds api_tokens.expires_at and api_tokens.last_used_at (existing tokens: no expiry)',
  '006-tombstones': 'adds the tombstones table (what the retention purge keeps of a not-linked item)',
  '007-find-indexes': "adds emails.from_hash and tombstones.from_hash, fills linked emails' sender hash, adds find indexes",
  '008-folder-counts': 'adds the folder_counts table (completeness per mail folder)',
  '009-audit-source-token-teammate-oauth-states': 'adds audit_log.source, api_tokens.teammate and the oauth_states_used table',
  '010-directory-sources': 'adds the sources and source_companies tables and end_users.source_url, end_users.source_synced_at',
  '011-alerts': 'adds the reauth_alerts and alert_digests tables (one alert per connection breakage; the daily digest opt-in)',
  '013-sign-in-codes': 'adds the sign_in_codes table (one-time sign-in links; only the code hash is kept)',
};

/** Every migration of this release, in order, with its one-line description. */
export const MIGRATIONS: readonly MigrationStep[] = Object.keys(migrations)
  .sort()
  .map((name) => {
    const m = migrations[name]!;
    const own = (m as { description?: string }).description;
    return { name, up: m.up, description: own ?? DESCRIPTIONS[name] ?? '(no description given)' };
  });

export class StoreError extends Error {}

/** Brings the store to this release's schema; a failing migration is rolled back and named. */
export async function migrate(db: Store): Promise<void> {
  try {
    await runMigrations(db, MIGRATIONS);
  } catch (err) {
    if (err instanceof MigrationError) throw new StoreError(err.message);
    throw new StoreError(`database migration failed: ${(err as Error)?.message ?? 'unknown error'}`);
  }
}
