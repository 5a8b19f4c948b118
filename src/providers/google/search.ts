// The live lookup over the Gmail API: users.messages.list with a search query in Gmail's own
// syntax (https://support.google.com/mail/answer/7190): rfc822msgid:, from:, to:,
// subject:(words), after:/before: as epoch seconds (exact instants, not Pacific-time days:
// https://developers.google.com/gmail/api/guides/filtering), includeSpamTrash=true so mail in
// Spam and Trash is found too; then format=metadata (headers only) for each hit. Labels say
// where it is: SPAM, TRASH and DRAFT are never synced, everything else is.
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { matchesQuery, subjectWords } from '../search-match.js';
import type { FolderRole, MailHit, MailSearch, MailSearchQuery } from '../types.js';
import { SourceError } from '../types.js';
import type { GoogleTokens } from './auth.js';
import { googleCall, GoogleHttpError } from './call.js';
import { mapLimit } from '../../domain/map-limit.js';
import { metadataToItem } from './gmail-mail-source.js';

const METADATA_HEADERS = ['From', 'To', 'Cc', 'Bcc', 'Subject', 'Date', 'Message-ID'];
/** A lookup answers now or not at all: one quick retry, never minutes of back-off. */
const LOOKUP_RETRY = { maxAttempts: 2, baseDelayMs: 300, maxDelayMs: 1_000 };

/** Characters that are Gmail query syntax, dropped from what the CSM typed. */
const SYNTAX = /[(){}"]/g;
const term = (s: string) => s.replace(SYNTAX, ' ').trim();

export function gmailQuery(q: MailSearchQuery): string {
  const parts: string[] = [];
  if (q.messageId) parts.push(`rfc822msgid:${term(q.messageId)}`);
  if (q.from) parts.push(`from:${term(q.from)}`);
  if (q.to) parts.push(`to:${term(q.to)}`);
  const words = subjectWords(q.subject).map(term).filter(Boolean);
  if (words.length) parts.push(`subject:(${words.join(' ')})`);
  if (q.since) parts.push(`after:${Math.floor(q.since.getTime() / 1000)}`);
  if (q.until) parts.push(`before:${Math.ceil(q.until.getTime() / 1000)}`);
  return parts.join(' ');
}

export function gmailPlace(labels: string[]): { folder: string; role: FolderRole; synced: boolean } {
  if (labels.includes('SPAM')) return { folder: 'SPAM', role: 'junk', synced: false };
  if (labels.includes('TRASH')) return { folder: 'TRASH', role: 'trash', synced: false };
  if (labels.includes('DRAFT')) return { folder: 'DRAFT', role: 'drafts', synced: false };
  if (labels.includes('INBOX')) return { folder: 'INBOX', role: 'inbox', synced: true };
  if (labels.includes('SENT')) return { folder: 'SENT', role: 'sent', synced: true };
  const own = labels.find((l) => !l.startsWith('CATEGORY_') && l !== 'UNREAD' && l !== 'IMPORTANT' && l !== 'STARRED');
  return { folder: own ?? 'All Mail', role: 'other', synced: true };
}

export class GmailMailSearch implements MailSearch {
  private api: gmail_v1.Gmail;

  constructor(private o: { tokens: GoogleTokens; rootUrl?: string }) {
    this.api = gmail({ version: 'v1', auth: o.tokens.client, retry: false, ...(o.rootUrl ? { rootUrl: o.rootUrl } : {}) });
  }

  async search(q: MailSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<MailHit[]> {
    const query = gmailQuery(q);
    const call = <T>(what: string, fn: () => Promise<T>) =>
      googleCall(this.o.tokens, what, fn, LOOKUP_RETRY).catch((e) => {
        throw e instanceof GoogleHttpError ? new SourceError('INTERNAL', e.message) : e;
      });
    const res = await call('messages.list (live lookup)', () =>
      this.api.users.messages.list({ userId: 'me', q: query, includeSpamTrash: true, maxResults: opts.limit }, { signal: opts.signal }),
    );
    const ids = (res.data.messages ?? []).map((m) => m.id).filter((x): x is string => !!x);
    const messages = await mapLimit(ids, 4, (id) =>
      call(`messages.get ${id} (live lookup)`, () =>
        this.api.users.messages.get({ userId: 'me', id, format: 'metadata', metadataHeaders: METADATA_HEADERS }, { signal: opts.signal }),
      ).then((r) => r.data),
    );
    const hits: MailHit[] = [];
    for (const m of messages) {
      const item = await metadataToItem(m);
      if ('reason' in item || !matchesQuery(item, q)) continue;
      const labels = m.labelIds ?? [];
      hits.push({ ref: m.id!, ...gmailPlace(labels), labels, item });
    }
    return hits;
  }
}
