// The live lookup over IMAP: UID SEARCH (RFC 3501 §6.4.4) with HEADER Message-ID, FROM, TO,
// SUBJECT, SINCE and BEFORE in every selectable folder of the LIST, each EXAMINEd (read-only:
// nothing is marked \Seen), then headers and INTERNALDATE only for the hits. SINCE/BEFORE
// are whole days on the server, and SUBJECT a substring: the exact instants and every word
// of the subject are checked here on the fetched headers.
import type { FetchMessageObject } from 'imapflow';
import { matchesQuery, subjectWords } from '../search-match.js';
import type { FolderRole, MailHit, MailSearch, MailSearchQuery } from '../types.js';
import type { ImapConfig } from './config.js';
import type { OutboundPolicy } from '../../net/outbound-policy.js';
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

/**
 * Sessions per lookup: folders are searched by up to this many IMAP connections at once (a
 * mailbox of 20 folders is ~40 round trips). Kept well under Dovecot's default of 10
 * connections per user and IP, with the sync's session and IDLE watcher also open.
 */
export const SEARCH_SESSIONS = 3;

export class ImapMailSearch implements MailSearch {
  constructor(private readonly o: { config: ImapConfig; secret: string | (() => Promise<string>); outbound: OutboundPolicy }) {}

  async search(q: MailSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<MailHit[]> {
    const first = await this.open(opts.signal);
    const sessions = [first.session];
    const releases = [first.release];
    try {
      const listed = await first.session.list();
      const selectable = listed.filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'));
      const synced = new Set(planFolders(listed, this.o.config.folders, first.session.capabilities).paths);
      const queue = [...selectable];
      const hits: MailHit[] = [];
      const worker = async (session: ImapSession) => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          if (opts.signal.aborted || hits.length >= opts.limit) return;
          for (const hit of await this.searchFolder(session, f, q, opts.limit)) hits.push({ ...hit, synced: synced.has(f.path) });
        }
      };
      const extra = Math.min(SEARCH_SESSIONS, selectable.length) - 1;
      // Extra sessions are a speed-up only: one the server refuses (connection limit) is simply not used.
      const more = await Promise.all(Array.from({ length: Math.max(0, extra) }, () => this.open(opts.signal).catch(() => null)));
      for (const m of more) {
        if (!m) continue;
        sessions.push(m.session);
        releases.push(m.release);
      }
      await Promise.all(sessions.map(worker));
      // Newest first across folders, at most `limit`.
      return hits.sort((a, b) => b.item.receivedAt.getTime() - a.item.receivedAt.getTime()).slice(0, opts.limit);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      for (const r of releases) r();
    }
  }

  /** A session that a lookup running out of time closes itself: nothing keeps reading after the answer. */
  private async open(signal: AbortSignal): Promise<{ session: ImapSession; release: () => void }> {
    const session = await ImapSession.open(this.o.config, this.o.secret, this.o.outbound);
    const abort = () => session.client.close();
    signal.addEventListener('abort', abort, { once: true });
    return { session, release: () => signal.removeEventListener('abort', abort) };
  }

  private async searchFolder(session: ImapSession, f: ListedFolder, q: MailSearchQuery, limit: number): Promise<Omit<MailHit, 'synced'>[]> {
    await session.examine(f.path);
    const uids = (await session.client.search(criteria(q), { uid: true })) || [];
    if (!uids.length) return [];
    // Newest first: the highest UIDs arrived last.
    const wanted = [...uids].sort((a, b) => b - a).slice(0, limit);
    const fetched: FetchMessageObject[] = await session.fetchHeaders(wanted, false);
    const where = `${this.o.config.user} at ${this.o.config.host}`;
    const out: Omit<MailHit, 'synced'>[] = [];
    for (const m of fetched) {
      const item = await headersToItem(m, `${where} ${f.path} UID ${m.uid}`);
      if ('reason' in item || !matchesQuery(item, q)) continue;
      out.push({ ref: `${f.path}:${m.uid}`, folder: f.path, role: folderRole(f), item });
    }
    return out;
  }
}
