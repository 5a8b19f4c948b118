// The live lookup over IMAP: UID SEARCH (RFC 3501 §6.4.4) with HEADER Message-ID, FROM, TO,
// SUBJECT, SINCE and BEFORE in every selectable folder of the LIST, each EXAMINEd (read-only:
// nothing is marked \Seen), then headers and INTERNALDATE only for the hits. SINCE/BEFORE
// are whole days on the server, and SUBJECT a substring: the exact instants and every word
// of the subject are checked here on the fetched headers.
import type { FetchMessageObject } from 'imapflow';
import { matchesQuery, subjectWords } from '../search-match.js';
import type { FolderRole, MailHit, MailSearch, MailSearchQuery } from '../types.js';
import type { ImapConfig } from './config.js';
import { planFolders, type ListedFolder } from './folders.js';
import { ImapSession } from './session.js';
import { headersToItem } from './to-item.js';

const DAY = 86_400_000;

/** Special-use first (RFC 6154); servers without it are recognised by the usual names. */
const ROLE_BY_USE: Record<string, FolderRole> = { '\\junk': 'junk', '\\trash': 'trash', '\\drafts': 'drafts', '\\sent': 'sent' };
const ROLE_BY_NAME: Record<string, FolderRole> = {
  junk: 'junk',
  spam: 'junk',
  'junk email': 'junk',
  'junk e-mail': 'junk',
  trash: 'trash',
  bin: 'trash',
  'deleted items': 'trash',
  'deleted messages': 'trash',
  drafts: 'drafts',
  sent: 'sent',
  'sent items': 'sent',
  'sent mail': 'sent',
};

export function folderRole(f: ListedFolder): FolderRole {
  if (f.path.toUpperCase() === 'INBOX') return 'inbox';
  const byUse = f.specialUse ? ROLE_BY_USE[f.specialUse.toLowerCase()] : undefined;
  if (byUse) return byUse;
  const leaf = f.path.split(/[/.]/).pop() ?? f.path;
  return ROLE_BY_NAME[leaf.toLowerCase()] ?? 'other';
}

/** What the server can narrow down; the rest is checked on the headers. */
function criteria(q: MailSearchQuery): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (q.messageId) c.header = { 'message-id': q.messageId };
  if (q.from) c.from = q.from;
  if (q.to) c.to = q.to;
  // One word is enough for the server (the longest narrows most); all are checked below.
  const words = subjectWords(q.subject);
  if (words.length) c.subject = [...words].sort((a, b) => b.length - a.length)[0];
  // SINCE/BEFORE compare dates only (§6.4.4): widen by a day each side, filter exactly later.
  if (q.since) c.since = new Date(q.since.getTime() - DAY);
  if (q.until) c.before = new Date(q.until.getTime() + DAY);
  if (!Object.keys(c).length) c.all = true;
  return c;
}

export class ImapMailSearch implements MailSearch {
  constructor(private readonly o: { config: ImapConfig; secret: string | (() => Promise<string>) }) {}

  async search(q: MailSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<MailHit[]> {
    const session = await ImapSession.open(this.o.config, this.o.secret);
    // A lookup that runs out of time closes its own session: nothing keeps reading after the answer.
    const abort = () => session.client.close();
    opts.signal.addEventListener('abort', abort, { once: true });
    try {
      const listed = await session.list();
      const selectable = listed.filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'));
      const synced = new Set(planFolders(listed, this.o.config.folders, session.capabilities).paths);
      const hits: MailHit[] = [];
      const where = `${this.o.config.user} at ${this.o.config.host}`;
      for (const f of selectable) {
        if (opts.signal.aborted || hits.length >= opts.limit) break;
        await session.examine(f.path);
        const uids = (await session.client.search(criteria(q), { uid: true })) || [];
        if (!uids.length) continue;
        // Newest first: the highest UIDs arrived last.
        const wanted = [...uids].sort((a, b) => b - a).slice(0, opts.limit - hits.length);
        const fetched: FetchMessageObject[] = await session.fetchHeaders(wanted, false);
        for (const m of fetched) {
          const item = await headersToItem(m, `${where} ${f.path} UID ${m.uid}`);
          if ('reason' in item || !matchesQuery(item, q)) continue;
          hits.push({ ref: `${f.path}:${m.uid}`, folder: f.path, role: folderRole(f), synced: synced.has(f.path), item });
        }
      }
      return hits;
    } finally {
      opts.signal.removeEventListener('abort', abort);
      await session.close();
    }
  }
}
