// Microsoft 365 mail over Graph: every mail folder the connection syncs (./folders.ts: all
// but Junk, Deleted Items, Drafts and Outlook's own, child folders included), each with its
// own `messages/delta` (https://learn.microsoft.com/graph/api/message-delta) and
// `Prefer: IdType="ImmutableId"` (refs survive moves between folders) and `odata.maxpagesize`.
// The first round of a folder is bounded by `receivedDateTime ge <window start>`; after each
// page the folder's nextLink (mid-round) or deltaLink (round done) is the cursor, saved with the
// page. A message moved out of a folder comes back there as @removed (its sighting stays) and
// in the destination's delta as new: same immutable id, same Message-ID, one activity. A folder
// deleted between syncs is no longer listed and its cursor is dropped.
// Sync state gone (410 / syncStateNotFound / resyncRequired) → that folder starts a new
// bounded round; refs are the same immutable ids and activities dedupe by Message-ID
// (internetMessageId), so nothing duplicates. Pages carry metadata only; the body is read
// (fetchBody) only for linked mail, and a directory change's re-reads go 20 to a $batch
// (fetchMany, ./graph-batch.ts). The last page carries each folder's count since the window
// start ($count with the same filter) for the completeness check.
import type { Client } from '@microsoft/microsoft-graph-client';
import { asError } from '../../domain/as-error.js';
import { chunksOf } from '../../domain/chunks.js';
import type { Address, EmailItem } from '../../domain/items.js';
import { cleanMessageId, fingerprintOf } from '../../formats/mime/parse-email.js';
import { NO_FOLDER_SETTINGS, type FolderSettings } from '../folder-selection.js';
import type { Cursor, FetchOutcome, ItemError, MailPage, MailSighting, MailSource } from '../types.js';
import { SourceError } from '../types.js';
import { historicWindowStart } from '../historic-window.js';
import { graphCall, GraphHttpError, isSyncStateGone, translate, type CallContext } from './call.js';
import { listMailFolders, wellKnownIds, type GraphFolder } from './folders.js';
import { batchGet, GRAPH_BATCH_MAX } from './graph-batch.js';
import { linkPath } from './graph-client.js';

export interface FolderCursor {
  /** Mid-round: the next page; else the end of the last round. */
  nextLink?: string;
  deltaLink?: string;
}

export interface GraphMailCursor {
  v: 2;
  /** Well-known folder name → this mailbox's folder id, asked for once. */
  wellKnown?: Record<string, string>;
  /** By folder id. */
  folders: Record<string, FolderCursor>;
  /** Folder path (as sightings name it) → id, from the last listing: a re-scan names paths. */
  paths?: Record<string, string>;
}

export interface GraphMailOptions extends CallContext {
  client: Client;
  baseUrl: string;
  authorizedAt: Date;
  pageSize?: number;
  folders?: FolderSettings;
}

const SELECT = [
  'internetMessageId',
  'subject',
  'from',
  'sender',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'sentDateTime',
  'receivedDateTime',
  'isDraft',
].join(',');

interface GraphRecipient {
  emailAddress?: { address?: string; name?: string };
}
export interface GraphMessage {
  id: string;
  '@removed'?: { reason?: string };
  internetMessageId?: string;
  subject?: string;
  from?: GraphRecipient;
  sender?: GraphRecipient;
  toRecipients?: GraphRecipient[];
  ccRecipients?: GraphRecipient[];
  bccRecipients?: GraphRecipient[];
  sentDateTime?: string;
  receivedDateTime?: string;
  isDraft?: boolean;
  body?: { contentType?: string; content?: string };
}

interface DeltaPage<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export class GraphMailSource implements MailSource {
  constructor(private o: GraphMailOptions) {}

  private prefer(): string {
    return [`IdType="ImmutableId"`, `odata.maxpagesize=${this.o.pageSize ?? 50}`].join(', ');
  }

  async *changes(cursor: Cursor | null): AsyncIterable<MailPage> {
    const state = readCursor(cursor);
    if (!state.wellKnown) {
      state.wellKnown = await wellKnownIds(this.o);
      adoptV1Keys(state);
    }
    const listing = await listMailFolders(this.o, this.o.folders ?? NO_FOLDER_SETTINGS, state.wellKnown);
    // A folder gone or no longer synced: its cursor goes (a later include starts a bounded round).
    const live = new Set(listing.synced.map((f) => f.id));
    state.paths = Object.fromEntries(listing.synced.map((f) => [f.path, f.id]));
    for (const id of Object.keys(state.folders)) if (!live.has(id)) delete state.folders[id];
    const since = historicWindowStart(this.o.authorizedAt);
    // Counted before the deltas: mail arriving meanwhile only makes "seen" larger.
    const folderCounts: NonNullable<MailPage['folderCounts']> = [];
    for (const f of listing.synced) {
      const atServer = await this.countSince(f, since);
      if (atServer !== null) folderCounts.push({ folder: f.path, since, atServer });
    }
    // An initial round of every folder: the counts above are the total to expect (about: mail arrives meanwhile).
    const initial = listing.synced.every((f) => !state.folders[f.id]?.deltaLink) && folderCounts.length === listing.synced.length;
    const total = initial ? { total: folderCounts.reduce((n, c) => n + c.atServer, 0), approximate: true } : {};
    let done = 0;
    for (const f of listing.synced) {
      const fc = state.folders[f.id];
      let link = fc?.nextLink ?? fc?.deltaLink ?? null;
      let restarted = false;
      for (;;) {
        let page: DeltaPage<GraphMessage>;
        try {
          page = await this.deltaPage(f, link);
        } catch (err) {
          // Deleted since it was listed: skip it; the next listing leaves it out.
          if (err instanceof GraphHttpError && err.status === 404) {
            delete state.folders[f.id];
            break;
          }
          // Sync state gone: one bounded round from the window start for this folder, never a skip-ahead.
          if (link && !restarted && isSyncStateGone(err)) {
            link = null;
            restarted = true;
            continue;
          }
          throw translate(err);
        }
        const { sightings, errors } = toSightings(page.value ?? [], f.path);
        const next = page['@odata.nextLink'];
        const delta = page['@odata.deltaLink'];
        if (!next && !delta) throw new SourceError('INTERNAL', `Microsoft Graph ended a ${f.path} delta page without a next or delta link`);
        state.folders[f.id] = next ? { nextLink: next } : { deltaLink: delta! };
        done += sightings.length;
        yield { sightings, errors, cursor: structuredClone(state), progress: { done, ...total } };
        if (!next) break;
        link = next;
      }
    }
    yield { sightings: [], errors: [], cursor: structuredClone(state), folderCounts };
  }

  /** Forgets these folders' delta links (by path): the next sync re-reads their window. */
  rescan(cursor: Cursor | null, folders: string[]): Cursor {
    const state = readCursor(cursor);
    for (const path of folders) {
      const id = state.paths?.[path];
      if (id) delete state.folders[id];
    }
    return state;
  }

  /** Messages in the folder received since `since` (@odata.count); null if Graph gave none. */
  private async countSince(f: GraphFolder, since: Date): Promise<number | null> {
    try {
      const r = await graphCall(
        this.o,
        `${f.path} count`,
        () =>
          this.o.client
            .api(`me/mailFolders/${f.id}/messages`)
            .filter(`receivedDateTime ge ${since.toISOString()} and isDraft eq false`)
            .count(true)
            .top(1)
            .select('id')
            .get() as Promise<{ '@odata.count'?: number }>,
      );
      return typeof r['@odata.count'] === 'number' ? r['@odata.count'] : null;
    } catch (err) {
      if (err instanceof GraphHttpError && err.status === 404) return null;
      throw translate(err);
    }
  }

  private deltaPage(f: GraphFolder, link: string | null): Promise<DeltaPage<GraphMessage>> {
    // Well-known folders by name in the URL (the same folder: Graph accepts both).
    const segment = f.wellKnownName ?? f.id;
    return graphCall(this.o, `${f.path} messages/delta`, () => {
      const req = link
        ? this.o.client.api(linkPath(link, this.o.baseUrl))
        : this.o.client
            .api(`me/mailFolders/${segment}/messages/delta`)
            .select(SELECT)
            .filter(`receivedDateTime ge ${historicWindowStart(this.o.authorizedAt).toISOString()}`);
      return req.header('Prefer', this.prefer()).get() as Promise<DeltaPage<GraphMessage>>;
    });
  }

  async fetch(ref: string): Promise<EmailItem | null> {
    return this.fetchBody(ref);
  }

  /** The whole message (with its body) for linked mail and re-decisions. */
  async fetchBody(ref: string): Promise<EmailItem | null> {
    let m: GraphMessage;
    try {
      m = await graphCall(
        this.o,
        `message ${ref}`,
        () => this.o.client.api(messagePath(ref)).select(`${SELECT},body`).header('Prefer', FETCH_PREFER).get() as Promise<GraphMessage>,
      );
    } catch (err) {
      if (err instanceof GraphHttpError && err.status === 404) return null; // deleted since
      throw translate(err);
    }
    return withBody(m);
  }

  /** A directory change's page of re-reads: the same GETs as fetch, 20 to a $batch, one batch at a time. */
  async fetchMany(refs: string[]): Promise<FetchOutcome[]> {
    const unique = [...new Set(refs)];
    const read = new Map<string, FetchOutcome>();
    for (const chunk of chunksOf(unique, GRAPH_BATCH_MAX)) {
      const gets = chunk.map((ref) => ({ url: `${messagePath(ref)}?$select=${SELECT},body`, headers: { Prefer: FETCH_PREFER } }));
      const answers = await batchGet(this.o, gets, 'message re-reads').catch((err: unknown) => chunk.map(() => asError(translate(err))));
      for (const [i, ref] of chunk.entries()) {
        const a = answers[i];
        read.set(ref, a instanceof Error ? asError(translate(a)) : a ? withBody(a as GraphMessage) : null);
      }
    }
    return refs.map((ref) => read.get(ref) ?? null);
  }
}

const FETCH_PREFER = `IdType="ImmutableId", outlook.body-content-type="html"`;
const messagePath = (ref: string) => `/me/messages/${encodeURIComponent(ref)}`;

/** A message read with its body as fetch gives it: null when it has no usable time. */
function withBody(m: GraphMessage): EmailItem | null {
  const item = toItem(m);
  if ('reason' in item) return null;
  const content = m.body?.content;
  if (content) {
    if (m.body?.contentType?.toLowerCase() === 'html') item.html = content;
    else item.text = content;
  }
  return item;
}

function addr(r: GraphRecipient | undefined): Address[] {
  const a = r?.emailAddress?.address?.trim();
  if (!a) return [];
  const name = r?.emailAddress?.name?.trim();
  return [{ address: a, ...(name && name !== a ? { name } : {}) }];
}

const list = (rs: GraphRecipient[] | undefined): Address[] => (rs ?? []).flatMap(addr);

function date(v: string | undefined): Date | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Graph message metadata → EmailItem (the same meaning as the MIME headers elsewhere). */
export function toItem(m: GraphMessage): EmailItem | ItemError {
  const where = `graph message ${m.id}`;
  const receivedAt = date(m.receivedDateTime) ?? date(m.sentDateTime);
  if (!receivedAt) return { where, reason: 'Microsoft Graph gave no received or sent time for this message' };
  const from = addr(m.from).length ? addr(m.from) : addr(m.sender);
  const to = list(m.toRecipients);
  const sentAt = date(m.sentDateTime);
  const subject = m.subject ?? '';
  return {
    messageId: cleanMessageId(m.internetMessageId),
    fingerprint: fingerprintOf(sentAt, from, to, subject),
    sentAt,
    receivedAt,
    from,
    to,
    cc: list(m.ccRecipients),
    bcc: list(m.bccRecipients),
    subject,
  };
}

function toSightings(messages: GraphMessage[], folder: string): { sightings: MailSighting[]; errors: ItemError[] } {
  const sightings: MailSighting[] = [];
  const errors: ItemError[] = [];
  const seen = new Set<string>();
  for (const m of messages) {
    // Removed (moved out, deleted) and drafts are not mail that was sent or received.
    if (!m?.id || m['@removed'] || m.isDraft || seen.has(m.id)) continue;
    seen.add(m.id);
    const item = toItem(m);
    if ('reason' in item) errors.push(item);
    else sightings.push({ ref: m.id, folder, item });
  }
  return { sightings, errors };
}

function readCursor(c: Cursor | null): GraphMailCursor {
  if (!c || typeof c !== 'object' || typeof (c as GraphMailCursor).folders !== 'object') return { v: 2, folders: {} };
  const copy = structuredClone(c as GraphMailCursor);
  // Version 1 (before every folder was synced) keyed Inbox and Sent Items by well-known name.
  if (copy.v !== 2) return { v: 2, folders: copy.folders };
  return copy;
}

/** A version-1 cursor's "inbox"/"sentitems" keys become those folders' ids: their delta links go on. */
function adoptV1Keys(state: GraphMailCursor): void {
  for (const [name, id] of Object.entries(state.wellKnown ?? {})) {
    const fc = state.folders[name];
    if (fc && name !== id) {
      state.folders[id] = fc;
      delete state.folders[name];
    }
  }
}
