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
};

export function auditWhat(action: string, target: string): string {
  return `${ACTIONS[action] ?? action} ${target}`.trim();
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
  if (Array.isArray(v)) return v.length && v.every((x) => typeof x === 'string' && x.length < 40) ? v.join(', ') : String(v.length);
  if (typeof v === 'object') return Object.keys(v).join(', ');
  return String(v);
};

/** The details as "key: value" pairs; lists of linked/unlinked items as their counts. */
export function auditDetails(details: Record<string, unknown>): string[] {
  return Object.entries(details)
    .filter(([, v]) => !(Array.isArray(v) && v.length === 0) && v !== undefined)
    .map(([k, v]) => (['linked', 'unlinked', 'unavailable'].includes(k) && Array.isArray(v) ? `${k} ${v.length}` : `${k}: ${shown(v)}`));
}
