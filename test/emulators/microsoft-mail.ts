// Outlook mail in the Microsoft 365 emulator (microsoft.ts builds on this): mail folders
// (Outlook's defaults by well-known name, created, renamed, deleted, hidden; mailFolders and
// childFolders lists, mailFolder GET), messages (moved with immutable ids), the per-folder
// message delta (pages with @odata.nextLink, a final @odata.deltaLink, @removed for what left,
// 410 SyncStateNotFound once a token is expired), the folder message list with $filter, $count
// and $skip, message GET with body and $select, and the live lookups of GET /me/messages
// ($filter or $search, graph-search.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UNMATCHED } from './emulator-http.js';
import { folderInfo, GraphQueryError, parseFilter, parseSearch } from './graph-search.js';
import { MicrosoftCalendarEmulator, type Stored, unb64 } from './microsoft-calendar.js';
import { b64 } from './microsoft-identity.js';

export interface MsMessage {
  id: string;
  /** The folder's id or well-known name ('inbox', 'sentitems', 'junkemail' …). */
  folder: string;
  internetMessageId?: string;
  subject: string;
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  receivedDateTime: string;
  sentDateTime?: string;
  body?: string;
  isDraft?: boolean;
  /** Fields sent as given, over the ones built from the above (malformed data in tests). */
  raw?: Record<string, unknown>;
}

/**
 * A mail folder as Graph v1.0 describes it (https://learn.microsoft.com/graph/api/resources/mailfolder):
 * id, displayName, parentFolderId, childFolderCount, totalItemCount, unreadItemCount, isHidden.
 * `wellKnownName` is not a v1.0 property: it is the alias the folder answers to in URLs
 * (GET /me/mailFolders/junkemail), kept here to route those.
 */
export interface MsFolder {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName?: string;
  isHidden?: boolean;
}

const rcpt = (a: string) => ({ emailAddress: { address: a, name: a.split('@')[0] } });

export abstract class MicrosoftMailEmulator extends MicrosoftCalendarEmulator {
  readonly messages = new Map<string, Stored<MsMessage>>();
  /** Live lookups (GET /me/messages) answer only after this many ms: a slow mailbox. */
  stallSearchMs = 0;
  /** Mail folders by id; the defaults Outlook creates (mailFolder › well-known folder names). */
  readonly folders = new Map<string, MsFolder>();
  /** Messages that left a folder (moved or deleted): its delta reports them as @removed. */
  private departures: { id: string; folderId: string; seq: number }[] = [];
  private folderCount = 0;
  /** Mail delta tokens below this answer 410 SyncStateNotFound (or `syncStateGone`). */
  minMailSeq = 0;

  constructor() {
    super();
    this.defaultFolders();
  }

  private defaultFolders(): void {
    const root: MsFolder = {
      id: this.newFolderId(),
      displayName: 'Top of Information Store',
      parentFolderId: '',
      wellKnownName: 'msgfolderroot',
    };
    this.folders.set(root.id, root);
    const named: [string, string][] = [
      ['inbox', 'Inbox'],
      ['sentitems', 'Sent Items'],
      ['drafts', 'Drafts'],
      ['deleteditems', 'Deleted Items'],
      ['junkemail', 'Junk Email'],
      ['outbox', 'Outbox'],
    ];
    for (const [wellKnownName, displayName] of named) {
      const f = { id: this.newFolderId(), displayName, parentFolderId: root.id, wellKnownName };
      this.folders.set(f.id, f);
    }
  }

  /** Opaque ids, as Graph gives (base64-looking, never the display name). */
  private newFolderId(): string {
    return `AAMkAGFolder${++this.folderCount}AAA=`;
  }

  /** A folder by id or well-known name (both work in Graph URLs), case-insensitive for names. */
  folder(idOrName: string): MsFolder | undefined {
    return this.folders.get(idOrName) ?? [...this.folders.values()].find((f) => f.wellKnownName?.toLowerCase() === idOrName.toLowerCase());
  }

  /** Test helper: a new folder under `parent` (id or well-known name; default the top of the mailbox). Returns its id. */
  createFolder(displayName: string, parent = 'msgfolderroot'): string {
    const p = this.folder(parent);
    if (!p) throw new Error(`no folder ${parent}`);
    const f = { id: this.newFolderId(), displayName, parentFolderId: p.id };
    this.folders.set(f.id, f);
    return f.id;
  }

  /** Test helper: rename a folder (its id stays, as in Graph's PATCH mailFolder). */
  renameFolder(idOrName: string, displayName: string): void {
    const f = this.folder(idOrName);
    if (!f) throw new Error(`no folder ${idOrName}`);
    f.displayName = displayName;
  }

  /**
   * Test helper: DELETE /me/mailFolders/{id} (https://learn.microsoft.com/graph/api/mailfolder-delete):
   * the folder, its child folders and their messages are gone; their ids answer 404.
   */
  deleteFolder(idOrName: string): void {
    const f = this.folder(idOrName);
    if (!f) throw new Error(`no folder ${idOrName}`);
    for (const child of [...this.folders.values()].filter((c) => c.parentFolderId === f.id)) this.deleteFolder(child.id);
    for (const [id, m] of this.messages) if (this.folder(m.data.folder)?.id === f.id) this.messages.delete(id);
    this.folders.delete(f.id);
  }

  /**
   * Test helper: POST /me/messages/{id}/move (https://learn.microsoft.com/graph/api/message-move).
   * With `Prefer: IdType="ImmutableId"` the id survives the move
   * (https://learn.microsoft.com/graph/outlook-immutable-id); the source folder's delta then
   * lists it as @removed and the destination's as a new message.
   */
  moveMessage(id: string, destination: string): void {
    const s = this.messages.get(id);
    const to = this.folder(destination);
    if (!s || !to) throw new Error(`no message ${id} or folder ${destination}`);
    const from = this.folder(s.data.folder);
    if (from) this.departures.push({ id, folderId: from.id, seq: ++this.seq });
    this.messages.set(id, { seq: ++this.seq, data: { ...s.data, folder: to.id } });
  }

  private inFolder(m: MsMessage, f: MsFolder): boolean {
    return this.folder(m.folder)?.id === f.id;
  }

  private folderJson(f: MsFolder): Record<string, unknown> {
    const msgs = [...this.messages.values()].filter((s) => this.inFolder(s.data, f));
    return {
      id: f.id,
      displayName: f.displayName,
      parentFolderId: f.parentFolderId,
      childFolderCount: [...this.folders.values()].filter((c) => c.parentFolderId === f.id).length,
      unreadItemCount: 0,
      totalItemCount: msgs.length,
      isHidden: f.isHidden ?? false,
    };
  }

  addMessage(m: MsMessage): void {
    this.messages.set(m.id, { seq: ++this.seq, data: m });
  }

  /** Every mail delta token issued so far answers 410 from now on. */
  expireMailDelta(): void {
    // A new generation: tokens issued from now on (upTo >= this.seq) stay valid.
    this.minMailSeq = ++this.seq;
  }

  /** The mail routes; UNMATCHED for any other path. */
  // biome-ignore lint/suspicious/noConfusingVoidType: each route returns what send() returns (void), as the other routes do
  protected async mailRoutes(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void | typeof UNMATCHED> {
    const q = u.searchParams;
    let m: RegExpExecArray | null;
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/mailFolders\/([^/]+)\/messages\/delta$/.exec(u.pathname))) {
      // Per-folder message delta (https://learn.microsoft.com/graph/api/message-delta): pages
      // with @odata.nextLink, then an @odata.deltaLink; a later round lists what arrived and, as
      // {id, @removed: {reason: 'deleted'}}, what left the folder (moved or deleted).
      const target = this.folder(decodeURIComponent(m[1]!));
      if (!target) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const segment = m[1]!;
      type Tok = { offset: number; upTo: number; after: number; since: number };
      let tok: Tok;
      if (q.get('$skiptoken')) tok = unb64<Tok>(q.get('$skiptoken')!)!;
      else if (q.get('$deltatoken')) {
        const d = unb64<{ seq: number; since: number }>(q.get('$deltatoken')!);
        if (!d || d.seq < this.minMailSeq) return this.syncStateNotFound(res);
        tok = { offset: 0, upTo: this.seq, after: d.seq, since: d.since };
      } else {
        const f = /receivedDateTime ge (\S+)/.exec(q.get('$filter') ?? '');
        tok = { offset: 0, upTo: this.seq, after: 0, since: f ? Date.parse(f[1]!) : 0 };
      }
      const here = [...this.messages.values()]
        .filter(
          (s) =>
            this.inFolder(s.data, target) && s.seq > tok.after && s.seq <= tok.upTo && Date.parse(s.data.receivedDateTime) >= tok.since,
        )
        .map((s) => ({ seq: s.seq, json: this.messageJson(s.data, false) }));
      // A first round lists what is there; only a round from a delta token reports departures.
      const gone =
        tok.after > 0
          ? this.departures
              .filter((x) => x.folderId === target.id && x.seq > tok.after && x.seq <= tok.upTo)
              .map((x) => ({ seq: x.seq, json: { id: x.id, '@removed': { reason: 'deleted' } } as Record<string, unknown> }))
          : [];
      const all = [...here, ...gone].sort((a, b) => a.seq - b.seq);
      const size = this.pageSize(req, 10);
      const slice = all.slice(tok.offset, tok.offset + size);
      const link = `${this.url}/v1.0/me/mailFolders/${segment}/messages/delta`;
      const more = tok.offset + size < all.length;
      return this.send(res, 200, {
        '@odata.context': `${this.url}/v1.0/$metadata#Collection(message)`,
        value: slice.map((s) => s.json),
        ...(more
          ? { '@odata.nextLink': `${link}?$skiptoken=${b64({ ...tok, offset: tok.offset + size })}` }
          : { '@odata.deltaLink': `${link}?$deltatoken=${b64({ seq: tok.upTo, since: tok.since })}` }),
      });
    }
    // Live lookups: GET /me/messages with $filter or $search over every folder (graph-search.ts).
    if (u.pathname === '/v1.0/me/messages' && req.method === 'GET') return this.searchMessages(q, res);
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/mailFolders\/([^/]+)\/messages$/.exec(u.pathname))) {
      // List messages (https://learn.microsoft.com/graph/api/user-list-messages) with $filter on
      // receivedDateTime and $count=true: @odata.count is the number matching the filter
      // (https://learn.microsoft.com/graph/query-parameters#count-parameter).
      const target = this.folder(decodeURIComponent(m[1]!));
      if (!target) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const filter = q.get('$filter') ?? '';
      const f = /receivedDateTime ge (\S+)/.exec(filter);
      const since = f ? Date.parse(f[1]!) : 0;
      const noDrafts = /isDraft eq false/.test(filter);
      const all = [...this.messages.values()]
        .filter((s) => this.inFolder(s.data, target) && Date.parse(s.data.receivedDateTime) >= since && !(noDrafts && s.data.isDraft))
        .sort((a, b) => b.seq - a.seq);
      // Pages of $top (at most 1000), the next one an @odata.nextLink carrying $skip.
      const top = Math.min(Number(q.get('$top') ?? 10), 1000);
      const skip = Number(q.get('$skip') ?? 0);
      const next = new URL(`${this.url}${u.pathname}`);
      for (const [k, v] of q) if (k !== '$skip') next.searchParams.set(k, v);
      next.searchParams.set('$skip', String(skip + top));
      return this.send(res, 200, {
        '@odata.context': `${this.url}/v1.0/$metadata#Collection(message)`,
        ...(q.get('$count') === 'true' ? { '@odata.count': all.length } : {}),
        value: all.slice(skip, skip + top).map((s) => selected(this.messageJson(s.data, false), q.get('$select'))),
        ...(skip + top < all.length ? { '@odata.nextLink': next.toString() } : {}),
      });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/mailFolders(?:\/([^/]+)\/childFolders)?$/.exec(u.pathname))) {
      // List mailFolders (https://learn.microsoft.com/graph/api/user-list-mailfolders): the
      // top-level folders; childFolders (https://learn.microsoft.com/graph/api/mailfolder-list-childfolders)
      // one level below a folder. Hidden folders only with includeHiddenFolders=true; $top
      // (default 10) with an @odata.nextLink carrying $skip.
      const parent = m[1] ? this.folder(decodeURIComponent(m[1])) : this.folder('msgfolderroot');
      if (!parent) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const hidden = q.get('includeHiddenFolders') === 'true';
      const children = [...this.folders.values()].filter((f) => f.parentFolderId === parent.id && (hidden || !f.isHidden));
      const top = Number(q.get('$top') ?? 10);
      const skip = Number(q.get('$skip') ?? 0);
      const next = new URL(`${this.url}${u.pathname}`);
      for (const [k, v] of q) if (k !== '$skip') next.searchParams.set(k, v);
      next.searchParams.set('$skip', String(skip + top));
      return this.send(res, 200, {
        '@odata.context': `${this.url}/v1.0/$metadata#users('user-1')/mailFolders`,
        value: children.slice(skip, skip + top).map((f) => this.folderJson(f)),
        ...(skip + top < children.length ? { '@odata.nextLink': next.toString() } : {}),
      });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/mailFolders\/([^/]+)$/.exec(u.pathname))) {
      // Get mailFolder (https://learn.microsoft.com/graph/api/mailfolder-get), by id or well-known name.
      const f = this.folder(decodeURIComponent(m[1]!));
      if (!f) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return this.send(res, 200, this.folderJson(f));
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/me\/messages\/([^/]+)$/.exec(u.pathname))) {
      const s = this.messages.get(decodeURIComponent(m[1]!));
      if (!s) return this.graphError(res, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return this.send(res, 200, selected(this.messageJson(s.data, true), q.get('$select')));
    }
    return UNMATCHED;
  }

  /**
   * GET /me/messages: $filter or $search, never both (Graph answers 400, as for $search with
   * $orderby: "SearchWithOrderBy: The query parameter '$orderBy' is not supported with '$search'."),
   * newest first, $top at most 1000, each with its parentFolderId.
   */
  private async searchMessages(q: URLSearchParams, res: ServerResponse): Promise<void> {
    const filter = q.get('$filter');
    const search = q.get('$search');
    if (search && q.get('$orderby'))
      return this.graphError(res, 400, 'SearchWithOrderBy', "The query parameter '$orderBy' is not supported with '$search'.");
    if (search && filter)
      return this.graphError(res, 400, 'SearchWithFilter', "The query parameter '$filter' is not supported with '$search'.");
    let match: (m: MsMessage) => boolean = () => true;
    try {
      if (filter) match = parseFilter(filter);
      else if (search !== null) match = parseSearch(search);
    } catch (err) {
      if (err instanceof GraphQueryError) return this.graphError(res, 400, err.code, err.message);
      throw err;
    }
    if (this.stallSearchMs) await new Promise((r) => setTimeout(r, this.stallSearchMs));
    const top = Math.min(Number(q.get('$top') ?? 10), 1000);
    const found = [...this.messages.values()]
      .filter((s) => !s.removed && match(s.data))
      .sort((a, b) => Date.parse(b.data.receivedDateTime) - Date.parse(a.data.receivedDateTime))
      .slice(0, top);
    return this.send(res, 200, {
      '@odata.context': `${this.url}/v1.0/$metadata#users('me')/messages`,
      value: found.map((s) => ({
        ...this.messageJson(s.data, false),
        parentFolderId: this.folder(s.data.folder)?.id ?? folderInfo(s.data.folder).id,
      })),
    });
  }

  private messageJson(m: MsMessage, withBody: boolean): Record<string, unknown> {
    return {
      '@odata.etag': `W/"${m.id}"`,
      id: m.id,
      receivedDateTime: m.receivedDateTime,
      sentDateTime: m.sentDateTime ?? m.receivedDateTime,
      subject: m.subject,
      isDraft: m.isDraft ?? false,
      ...(m.internetMessageId ? { internetMessageId: `<${m.internetMessageId}>` } : {}),
      from: rcpt(m.from),
      sender: rcpt(m.from),
      toRecipients: m.to.map(rcpt),
      ccRecipients: (m.cc ?? []).map(rcpt),
      bccRecipients: (m.bcc ?? []).map(rcpt),
      ...(withBody ? { body: { contentType: 'html', content: `<html><body><p>${m.body ?? ''}</p></body></html>` } } : {}),
      ...m.raw,
    };
  }
}

/** $select: only the properties asked for (with id and the etag, which Graph always sends). */
function selected(json: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (!select) return json;
  const keep = new Set(['id', '@odata.etag', ...select.split(',').map((p) => p.trim())]);
  return Object.fromEntries(Object.entries(json).filter(([k]) => keep.has(k)));
}
