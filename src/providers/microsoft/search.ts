// The live lookup over Microsoft Graph mail: GET /me/messages (every folder of the mailbox)
// with either $filter — from/emailAddress/address, toRecipients/any(…), receivedDateTime
// ge/lt, internetMessageId — or, when words of the subject are asked, $search with KQL
// ("subject:… from:… to:…"), because Graph refuses $search together with $filter or
// $orderby (400): the dates are then checked here. Each hit's parentFolderId becomes the
// folder's name (GET /me/mailFolders/{id}) and its kind, from the well-known folders
// junkemail, deleteditems, drafts, inbox and sentitems.
import type { Client } from '@microsoft/microsoft-graph-client';
import { isFolderSynced, type FolderSettings } from '../folder-selection.js';
import { matchesQuery, subjectWords } from '../search-match.js';
import type { FolderRole, MailHit, MailSearch, MailSearchQuery } from '../types.js';
import { graphCall, translate, type CallContext } from './call.js';
import { toItem, type GraphMessage } from './mail-source.js';

const SELECT = 'id,parentFolderId,internetMessageId,subject,from,sender,toRecipients,ccRecipients,sentDateTime,receivedDateTime,isDraft';
const WELL_KNOWN: Record<string, FolderRole> = {
  inbox: 'inbox',
  sentitems: 'sent',
  junkemail: 'junk',
  deleteditems: 'trash',
  drafts: 'drafts',
};
/** A lookup answers now or not at all: one quick retry, never minutes of back-off. */
const LOOKUP_RETRY = { maxAttempts: 2, baseDelayMs: 300, maxDelayMs: 1_000 };

/** OData string literal: a quote is doubled. */
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** KQL term: quotes and the characters KQL reads as syntax are dropped from what the CSM typed. */
const kql = (s: string) => s.replace(/["():]/g, ' ').trim();

export function graphQuery(q: MailSearchQuery): { filter?: string; search?: string } {
  const words = subjectWords(q.subject).map(kql).filter(Boolean);
  if (words.length) {
    const terms = [...words.map((w) => `subject:${w}`), ...(q.from ? [`from:${kql(q.from)}`] : []), ...(q.to ? [`to:${kql(q.to)}`] : [])];
    return { search: `"${terms.join(' AND ')}"` };
  }
  const clauses: string[] = [];
  if (q.since) clauses.push(`receivedDateTime ge ${q.since.toISOString()}`);
  if (q.until) clauses.push(`receivedDateTime lt ${q.until.toISOString()}`);
  if (q.from) clauses.push(`from/emailAddress/address eq ${lit(q.from)}`);
  if (q.to) clauses.push(`toRecipients/any(r:r/emailAddress/address eq ${lit(q.to)})`);
  if (q.messageId) clauses.push(`internetMessageId eq ${lit(`<${q.messageId}>`)}`);
  return { filter: clauses.join(' and ') };
}

export class GraphMailSearch implements MailSearch {
  constructor(private readonly o: CallContext & { client: Client; folders: FolderSettings }) {}

  private get<T>(what: string, path: string, query: Record<string, string> = {}): Promise<T> {
    return graphCall({ ...this.o, retry: LOOKUP_RETRY }, what, () => {
      let req = this.o.client.api(path);
      for (const [k, v] of Object.entries(query)) req = req.query({ [k]: v });
      return req.header('Prefer', 'IdType="ImmutableId"').get() as Promise<T>;
    }).catch((e) => {
      throw translate(e);
    });
  }

  async search(q: MailSearchQuery, opts: { limit: number; signal: AbortSignal }): Promise<MailHit[]> {
    const { filter, search } = graphQuery(q);
    const page = await this.get<{ value?: (GraphMessage & { parentFolderId?: string })[] }>('messages (live lookup)', 'me/messages', {
      $select: SELECT,
      $top: String(opts.limit),
      ...(search ? { $search: search } : filter ? { $filter: filter } : {}),
    });
    const found = (page.value ?? []).filter((m) => m?.id);
    if (!found.length || opts.signal.aborted) return [];
    const folders = await this.folderNames(found.map((m) => m.parentFolderId ?? ''));
    const hits: MailHit[] = [];
    for (const m of found) {
      const item = toItem(m);
      if ('reason' in item || !matchesQuery(item, q)) continue;
      const f = folders.get(m.parentFolderId ?? '') ?? { name: 'unknown folder', role: 'other' as FolderRole };
      // The sync's own rule (folder-selection.ts), on the folder itself: its parents are not
      // walked here, so a folder inside an excluded one is reported by its own verdict.
      const synced = isFolderSynced(this.o.folders, { path: f.name, name: f.name, wellKnownName: f.wk }).synced;
      hits.push({ ref: m.id, folder: f.name, role: m.isDraft ? 'drafts' : f.role, synced: synced && !m.isDraft, item });
    }
    return hits;
  }

  /** Names and kinds of these folder ids: the well-known folders' ids first, then the others by id. */
  private async folderNames(ids: string[]): Promise<Map<string, { name: string; role: FolderRole; wk?: string }>> {
    const out = new Map<string, { name: string; role: FolderRole; wk?: string }>();
    await Promise.all(
      Object.entries(WELL_KNOWN).map(async ([wk, role]) => {
        const f = await this.get<{ id: string; displayName?: string }>(`mail folder ${wk}`, `me/mailFolders/${wk}`).catch(() => null);
        if (f?.id) out.set(f.id, { name: f.displayName ?? wk, role, wk });
      }),
    );
    const rest = [...new Set(ids)].filter((id) => id && !out.has(id));
    await Promise.all(
      rest.map(async (id) => {
        const f = await this.get<{ id: string; displayName?: string }>(
          `mail folder ${id}`,
          `me/mailFolders/${encodeURIComponent(id)}`,
        ).catch(() => null);
        out.set(id, { name: f?.displayName ?? id, role: 'other' });
      }),
    );
    return out;
  }
}
