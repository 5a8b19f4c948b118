// Which folders to sync, from the server's LIST (RFC 3501 §6.3.8) with special-use
// attributes (RFC 6154): every selectable folder except Junk, Trash and Drafts, changed by the
// connection's include/exclude settings (the shared rule in ../folder-selection.ts). On Gmail
// (X-GM-EXT-1) every label is a folder and one message shows up in several, so by default we
// read "All Mail" (\All) alone and identify messages by X-GM-MSGID: labels never duplicate a
// message (All Mail already leaves out Spam and Trash).
import { folderMatches, isFolderSynced, type FolderRef, type FolderSettings } from '../folder-selection.js';

export interface ListedFolder {
  path: string;
  specialUse?: string | undefined;
  flags: Set<string>;
  /** Hierarchy delimiter ("/" or "."); absent: a flat name. */
  delimiter?: string | undefined;
}

export interface FolderPlan {
  /** Mailbox paths to sync, in order. */
  paths: string[];
  gmail: boolean;
  /** Configured entries that match no folder (reported, not fatal). */
  missing: string[];
  /** Folders not synced, with the reason (status and the live lookup show them). */
  skipped: { path: string; reason: string }[];
}

const SPECIAL_BY_NAME: Record<string, string> = {
  sent: '\\Sent',
  'sent items': '\\Sent',
  'sent mail': '\\Sent',
  all: '\\All',
  'all mail': '\\All',
  archive: '\\Archive',
  drafts: '\\Drafts',
  junk: '\\Junk',
  spam: '\\Junk',
  trash: '\\Trash',
};

/** A listed folder as the shared rule sees it, with the folders above it. */
export function folderRef(f: ListedFolder): FolderRef {
  const parts = f.delimiter ? f.path.split(f.delimiter) : [f.path];
  return { path: f.path, name: parts[parts.length - 1] ?? f.path, specialUse: f.specialUse };
}

function ancestorsOf(f: ListedFolder, byPath: Map<string, ListedFolder>): FolderRef[] {
  if (!f.delimiter) return [];
  const parts = f.path.split(f.delimiter);
  const out: FolderRef[] = [];
  for (let i = 1; i < parts.length; i++) {
    const path = parts.slice(0, i).join(f.delimiter);
    const listed = byPath.get(path) ?? { path, flags: new Set<string>(), delimiter: f.delimiter };
    out.push(folderRef(listed));
  }
  return out;
}

export function planFolders(listed: ListedFolder[], settings: FolderSettings, capabilities: Set<string>): FolderPlan {
  const usable = listed.filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'));
  const gmail = capabilities.has('X-GM-EXT-1');
  const paths: string[] = [];
  const missing: string[] = [];
  const skipped: FolderPlan['skipped'] = [];
  if (settings.only?.length || gmail) {
    // An explicit list, or Gmail's All Mail: resolve each entry as before; exclude still wins.
    const wanted = settings.only?.length ? [...settings.only, ...settings.include] : ['\\All', ...settings.include];
    for (const entry of wanted) {
      const found = resolve(usable, entry);
      if (!found) missing.push(entry);
      else if (!paths.includes(found)) paths.push(found);
    }
    const kept = paths.filter((p) => {
      const f = usable.find((u) => u.path === p)!;
      return !settings.exclude.some((e) => folderMatches(e, folderRef(f)));
    });
    return { paths: kept, gmail, missing, skipped };
  }
  const byPath = new Map(listed.map((f) => [f.path, f]));
  // INBOX first (RFC 3501 §5.1: case-insensitive), then the server's order.
  const ordered = [...usable].sort((a, b) => Number(b.path.toUpperCase() === 'INBOX') - Number(a.path.toUpperCase() === 'INBOX'));
  for (const f of ordered) {
    const v = isFolderSynced(settings, folderRef(f), ancestorsOf(f, byPath));
    if (v.synced) paths.push(f.path);
    else skipped.push({ path: f.path, reason: v.reason });
  }
  for (const entry of settings.include) if (!usable.some((f) => folderMatches(entry, folderRef(f)))) missing.push(entry);
  return { paths, gmail, missing, skipped };
}

function resolve(listed: ListedFolder[], entry: string): string | undefined {
  const bySpecial = (use: string) => listed.find((f) => f.specialUse?.toLowerCase() === use.toLowerCase())?.path;
  if (entry.startsWith('\\')) return bySpecial(entry);
  // INBOX is case-insensitive (RFC 3501 §5.1); other names are exact.
  if (entry.toUpperCase() === 'INBOX') return listed.find((f) => f.path.toUpperCase() === 'INBOX')?.path;
  const exact = listed.find((f) => f.path === entry)?.path;
  if (exact) return exact;
  const special = SPECIAL_BY_NAME[entry.toLowerCase()];
  return special ? bySpecial(special) : undefined;
}
