// Which folders to sync, from the server's LIST (RFC 3501 §6.3.8) with special-use
// attributes (RFC 6154): INBOX and \Sent by default. On Gmail (X-GM-EXT-1) every label is a
// folder and one message shows up in several, so we read "All Mail" (\All) alone and
// identify messages by X-GM-MSGID: labels never duplicate a message.
import { DEFAULT_FOLDERS } from './config.js';

export interface ListedFolder {
  path: string;
  specialUse?: string | undefined;
  flags: Set<string>;
}

export interface FolderPlan {
  /** Mailbox paths to sync, in order. */
  paths: string[];
  gmail: boolean;
  /** Configured entries that match no folder (reported, not fatal). */
  missing: string[];
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

export function planFolders(listed: ListedFolder[], configured: string[], capabilities: Set<string>): FolderPlan {
  const usable = listed.filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'));
  const gmail = capabilities.has('X-GM-EXT-1');
  const isDefault = configured.length === DEFAULT_FOLDERS.length && configured.every((c, i) => c === DEFAULT_FOLDERS[i]);
  const wanted = gmail && isDefault ? ['\\All'] : configured;
  const paths: string[] = [];
  const missing: string[] = [];
  for (const entry of wanted) {
    const found = resolve(usable, entry);
    if (!found) missing.push(entry);
    else if (!paths.includes(found)) paths.push(found);
  }
  return { paths, gmail, missing };
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
