// Which mail folders a connection syncs, one rule for every provider (IMAP, Graph) and for the
// live lookup: every folder except Junk, Trash and Drafts (and, on Graph, the Outlook-only
// folders that never hold mail a customer exchanged), changed per connection by include and
// exclude lists. Exclude wins over include; include can bring back a folder excluded by
// default (a user who wants Junk read). A folder below an excluded one is excluded too
// (Outlook keeps deleted folders under Deleted Items). See docs/decisions.md.

/** The per-connection settings, stored in the connection's config. */
export interface FolderSettings {
  /** Folder paths, names or markers (`\Junk`, `junkemail`) synced even when excluded by default. */
  include: string[];
  /** Folder paths, names or markers never synced; wins over include. */
  exclude: string[];
  /**
   * Legacy explicit list (`--folders`): when given, only these folders (plus include) are
   * synced. Unset: every folder, the default.
   */
  only?: string[] | undefined;
}

/** A folder as a provider lists it. */
export interface FolderRef {
  /** Full path ("Customers/Acme"), the delimiter as the server writes it. */
  path: string;
  /** Last path segment / Graph displayName. */
  name: string;
  /** RFC 6154 special-use attribute (`\Junk`), IMAP. */
  specialUse?: string | undefined;
  /** Graph mailFolder wellKnownName (`junkemail`). */
  wellKnownName?: string | undefined;
}

export interface FolderVerdict {
  synced: boolean;
  /** Why, in plain words (shown by status and the live lookup). */
  reason: string;
}

export const NO_FOLDER_SETTINGS: FolderSettings = { include: [], exclude: [] };

/** IMAP special-use attributes (RFC 6154 §2) not synced by default. */
const SKIPPED_SPECIAL_USE = new Set(['\\junk', '\\trash', '\\drafts']);

/**
 * Graph wellKnownName values (https://learn.microsoft.com/graph/api/resources/mailfolder) not
 * synced by default: junk, deleted and drafts as on IMAP; outbox (not sent yet: it shows in
 * sentitems once sent); conversationhistory (Teams/Skype conversations, not mail);
 * syncissues and its children, recoverableitemsdeletions (client-side copies and purges).
 */
const SKIPPED_WELL_KNOWN = new Set([
  'junkemail',
  'deleteditems',
  'drafts',
  'outbox',
  'conversationhistory',
  'syncissues',
  'conflicts',
  'localfailures',
  'serverfailures',
  'recoverableitemsdeletions',
]);

/** Names servers without special-use (or with it missing) give these folders. */
const SKIPPED_NAMES = new Set([
  'junk',
  'junk e-mail',
  'junk email',
  'spam',
  'bulk mail',
  'trash',
  'deleted items',
  'deleted messages',
  'bin',
  'drafts',
  'outbox',
]);

/** Does this settings entry name this folder? Paths, names and markers, case-insensitive. */
export function folderMatches(entry: string, f: FolderRef): boolean {
  const e = entry.trim().toLowerCase();
  if (!e) return false;
  return (
    f.path.toLowerCase() === e ||
    f.name.toLowerCase() === e ||
    (!!f.specialUse && f.specialUse.toLowerCase() === e) ||
    (!!f.wellKnownName && f.wellKnownName.toLowerCase() === e)
  );
}

/** Skipped by default, and why (null: synced by default). */
function defaultSkip(f: FolderRef): string | null {
  if (f.specialUse && SKIPPED_SPECIAL_USE.has(f.specialUse.toLowerCase()))
    return `it is the ${f.specialUse.slice(1)} folder, not synced by default`;
  if (f.wellKnownName && SKIPPED_WELL_KNOWN.has(f.wellKnownName.toLowerCase()))
    return `it is the ${f.wellKnownName} folder, not synced by default`;
  // By name only when the server gave no marker (a marker is the server's own word).
  if (!f.specialUse && !f.wellKnownName && SKIPPED_NAMES.has(f.name.toLowerCase()))
    return `a folder named "${f.name}" holds junk, deleted mail or drafts, not synced by default`;
  return null;
}

/**
 * Whether the connection syncs this folder, with the reason. `ancestors` are the folders
 * above it (outermost first): a folder inside an excluded folder is excluded too, unless it
 * is included by name itself.
 */
export function isFolderSynced(settings: FolderSettings, folder: FolderRef, ancestors: FolderRef[] = []): FolderVerdict {
  const hit = (list: string[], f: FolderRef) => list.find((e) => folderMatches(e, f));
  const excluded = hit(settings.exclude, folder);
  if (excluded !== undefined) return { synced: false, reason: `excluded by this connection's setting "${excluded}"` };
  const included = hit(settings.include, folder);
  if (included !== undefined) return { synced: true, reason: `included by this connection's setting "${included}"` };
  for (const a of ancestors) {
    const ex = hit(settings.exclude, a);
    if (ex !== undefined) return { synced: false, reason: `inside "${a.path}", excluded by this connection's setting "${ex}"` };
    const skip = hit(settings.include, a) === undefined ? defaultSkip(a) : null;
    if (skip) return { synced: false, reason: `inside "${a.path}": ${skip}` };
  }
  if (settings.only?.length) {
    const listed = hit(settings.only, folder);
    return listed !== undefined
      ? { synced: true, reason: `listed in this connection's folders "${listed}"` }
      : { synced: false, reason: `not in this connection's folder list (${settings.only.join(', ')})` };
  }
  const skip = defaultSkip(folder);
  if (skip) return { synced: false, reason: skip };
  return { synced: true, reason: 'every folder is synced by default' };
}

/** Reads include/exclude/only from a stored connection config, tolerating absent fields. */
export function readFolderSettings(raw: Record<string, unknown>): FolderSettings {
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : [];
  const only = strings(raw.folders);
  return {
    include: strings(raw.includeFolders),
    exclude: strings(raw.excludeFolders),
    // The old default (INBOX + \Sent) was written into every row: it means "the default".
    ...(only.length && !isOldDefault(only) ? { only } : {}),
  };
}

const OLD_DEFAULT = ['INBOX', '\\Sent'];
function isOldDefault(list: string[]): boolean {
  return list.length === OLD_DEFAULT.length && list.every((x, i) => x === OLD_DEFAULT[i]);
}

/** Checks one settings list from a user: clear errors naming the entry. Returns the cleaned list. */
export function checkFolderList(field: string, list: readonly string[]): { ok: string[] } | { error: string } {
  const out: string[] = [];
  for (const [i, raw] of list.entries()) {
    const v = raw.trim();
    if (!v) return { error: `${field}[${i}] is empty: give a folder path or name` };
    if (v.length > 500) return { error: `${field}[${i}] is longer than 500 characters` };
    if (!out.some((o) => o.toLowerCase() === v.toLowerCase())) out.push(v);
  }
  if (out.length > 100) return { error: `${field}: at most 100 folders` };
  return { ok: out };
}

/** The settings in plain words (CLI output, the web app). */
export function describeFolders(s: FolderSettings): string {
  const base = s.only?.length ? `only ${s.only.join(', ')}` : 'every folder but Junk, Trash and Drafts';
  const plus = s.include.length ? `, plus ${s.include.join(', ')}` : '';
  const minus = s.exclude.length ? `, except ${s.exclude.join(', ')}` : '';
  return `${base}${plus}${minus}`;
}
