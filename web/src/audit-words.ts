// The audit log in words: "Added internal domain acme.com", "linked 3 · unlinked 2", "CLI",
// rather than action codes and JSON. An action this list does not know is shown as its code.

const ACTIONS: Record<string, string> = {
  'end_user.add': 'Added end user',
  'end_user.delete': 'Deleted end user',
  'end_user.delete_and_suppress': 'Deleted end user (not recreated by sync)',
  'end_users.import': 'Imported end users from',
  'blocklist.add': 'Blocklisted',
  'blocklist.remove': 'Removed from the blocklist',
  'internal_domain.add': 'Added internal domain',
  'internal_domain.remove': 'Removed internal domain',
  'connection.connect': 'Connected',
  'connection.reauthorize': 'Re-authorized connection',
  'connection.disconnect': 'Disconnected',
  'connection.sync_now': 'Asked for a sync of',
  'token.create': 'Created API token',
  'token.revoke': 'Revoked API token',
  'webhook.create': 'Set the webhook to',
  'webhook.replace': 'Changed the webhook to',
  'webhook.delete': 'Removed the webhook to',
  'workspace.export': 'Exported the workspace',
  'live_find.email': 'Looked up an email at the provider',
  'live_find.meeting': 'Looked up a meeting at the provider',
  'alert.needs_reauth': 'Alerted the teammate: re-authorization needed for connection',
  'alert.digest_on': 'Daily alert digest turned on for',
  'alert.digest_off': 'Daily alert digest turned off for',
  'alert.digest_sent': 'Sent the daily alert digest of',
  'directory_change.reread': 'Re-read the emails a directory change left waiting, after the sync of connection',
  'directory_change.gave_up': 'Gave up re-reading',
};

/** The actions the audit log can be filtered by, in words (the filter's options). */
export const auditActionWords = (action: string): string => ACTIONS[action] ?? action;

// A connection or a token is named by an id nobody reads: its details name it better.
const NAMED_BY: Record<string, (d: Record<string, unknown>) => string | null> = {
  connection: (d) => (typeof d.teammate === 'string' ? `${d.teammate}${d.provider ? ` (${String(d.provider)})` : ''}` : null),
  token: (d) => (typeof d.name === 'string' ? `“${d.name}”${d.role ? ` (${String(d.role)})` : ''}` : null),
};
const NAMING_KEYS = new Set(['teammate', 'provider', 'name', 'role']);

export function auditWhat(action: string, target: string, details: Record<string, unknown> = {}): string {
  const named = NAMED_BY[action.split('.')[0] ?? '']?.(details);
  return `${ACTIONS[action] ?? action} ${named ?? target}`.trim();
}

/** "api:npm start" → "npm start (API token)"; "cli" → "command line". */
export function auditWho(actor: string): string {
  if (actor === 'cli') return 'command line';
  return actor.startsWith('api:') ? `${actor.slice(4)} (API token)` : actor;
}

export function auditWhere(source: string | null | undefined): string {
  if (!source) return '—';
  return source === 'cli' ? 'command line' : source;
}

const shown = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '—';
  if (v === true) return 'yes';
  if (v === false) return 'no';
  if (Array.isArray(v)) return v.length && v.every((x) => typeof x === 'string' && x.length < 40) ? v.join(', ') : String(v.length);
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== 0 && x !== null && x !== undefined)
      .map(([k, x]) => `${shown(x)} ${k.replace(/_/g, ' ')}`)
      .join(', ');
  return String(v);
};

// Detail keys as the words a reader expects: "linked 3 items", "password changed: yes".
const KEYS: Record<string, string> = {
  linked: 'linked',
  unlinked: 'unlinked',
  unavailable: 'not re-decided (source unreadable)',
  deferred: 'waiting for a re-read (the provider refused for now)',
  gaveUp: 'given up',
  reread: 're-read',
  secretChanged: 'password changed',
  expiresAt: 'expires',
  counts: 'rows',
  kind: 'kind',
  events: 'events',
  enabled: 'enabled',
};

/** The details as "key: value" words; lists of linked/unlinked items as their counts. */
export function auditDetails(details: Record<string, unknown>, action = ''): string[] {
  const named = NAMED_BY[action.split('.')[0] ?? '']?.(details);
  return Object.entries(details)
    .filter(([k]) => !(named && NAMING_KEYS.has(k)))
    .filter(([, v]) => !(Array.isArray(v) && v.length === 0) && v !== undefined && v !== null && v !== 0)
    .map(([k, v]) =>
      ['linked', 'unlinked', 'unavailable', 'gaveUp'].includes(k) && Array.isArray(v)
        ? `${KEYS[k]} ${v.length}`
        : `${KEYS[k] ?? k}: ${shown(v)}`,
    );
}
