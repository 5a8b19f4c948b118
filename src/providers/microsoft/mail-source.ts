// Microsoft 365 mail over Graph: per-folder `messages/delta` on Inbox and SentItems with
// `Prefer: IdType="ImmutableId"` (refs survive moves) and `odata.maxpagesize`. The first
// round of a folder is bounded by `receivedDateTime ge authorizedAt`; after each page the
// folder's nextLink (mid-round) or deltaLink (round done) is the cursor, saved with the page.
// Sync state gone (410 / syncStateNotFound / resyncRequired) → that folder starts a new
// bounded round from authorizedAt; refs are the same immutable ids and activities dedupe by
// Message-ID (internetMessageId), so nothing duplicates. Pages carry metadata only; the
// body is read (fetchBody) only for linked mail.
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Address, EmailItem } from '../../domain/items.js';
import { cleanMessageId, fingerprintOf } from '../../formats/mime/parse-email.js';
import type { Cursor, ItemError, MailPage, MailSighting, MailSource } from '../types.js';
import { SourceError } from '../types.js';
import { historicWindowStart } from '../historic-window.js';
import { graphCall, GraphHttpError, isSyncStateGone, translate, type CallContext } from './call.js';
import { linkPath } from './graph-client.js';

export const MAIL_FOLDERS = ['inbox', 'sentitems'] as const;
export type MailFolder = (typeof MAIL_FOLDERS)[number];
const FOLDER_NAME: Record<MailFolder, string> = { inbox: 'Inbox', sentitems: 'SentItems' };

export interface FolderCursor {
  /** Mid-round: the next page; else the end of the last round. */
  nextLink?: string;
  deltaLink?: string;
}

export interface GraphMailCursor {
  folders: Partial<Record<MailFolder, FolderCursor>>;
}

export interface GraphMailOptions extends CallContext {
  client: Client;
  baseUrl: string;
  authorizedAt: Date;
  pageSize?: number;
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
    const state: GraphMailCursor = readCursor(cursor) ?? { folders: {} };
    let done = 0;
    for (const folder of MAIL_FOLDERS) {
      const fc = state.folders[folder];
      let link = fc?.nextLink ?? fc?.deltaLink ?? null;
      let restarted = false;
      for (;;) {
        let page: DeltaPage<GraphMessage>;
        try {
          page = await this.deltaPage(folder, link);
        } catch (err) {
          // Sync state gone: one bounded round from authorizedAt for this folder, never a skip-ahead.
          if (link && !restarted && isSyncStateGone(err)) {
            link = null;
            restarted = true;
            continue;
          }
          throw translate(err);
        }
        const { sightings, errors } = toSightings(page.value ?? [], FOLDER_NAME[folder]);
        const next = page['@odata.nextLink'];
        const delta = page['@odata.deltaLink'];
        if (!next && !delta)
          throw new SourceError('INTERNAL', `Microsoft Graph ended a ${FOLDER_NAME[folder]} delta page without a next or delta link`);
        state.folders[folder] = next ? { nextLink: next } : { deltaLink: delta! };
        done += sightings.length;
        yield { sightings, errors, cursor: structuredClone(state), progress: { done } };
        if (!next) break;
        link = next;
      }
    }
  }

  private deltaPage(folder: MailFolder, link: string | null): Promise<DeltaPage<GraphMessage>> {
    return graphCall(this.o, `${FOLDER_NAME[folder]} messages/delta`, () => {
      const req = link
        ? this.o.client.api(linkPath(link, this.o.baseUrl))
        : this.o.client
            .api(`me/mailFolders/${folder}/messages/delta`)
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
        () =>
          this.o.client
            .api(`me/messages/${encodeURIComponent(ref)}`)
            .select(`${SELECT},body`)
            .header('Prefer', `IdType="ImmutableId", outlook.body-content-type="html"`)
            .get() as Promise<GraphMessage>,
      );
    } catch (err) {
      if (err instanceof GraphHttpError && err.status === 404) return null; // deleted since
      throw translate(err);
    }
    const item = toItem(m);
    if ('reason' in item) return null;
    const content = m.body?.content;
    if (content) {
      if (m.body?.contentType?.toLowerCase() === 'html') item.html = content;
      else item.text = content;
    }
    return item;
  }
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

function readCursor(c: Cursor | null): GraphMailCursor | null {
  if (!c || typeof c !== 'object' || typeof (c as GraphMailCursor).folders !== 'object') return null;
  return structuredClone(c as GraphMailCursor);
}
