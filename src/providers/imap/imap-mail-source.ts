// The IMAP mailbox of one teammate, behind the MailSource interface.
//
// A sync (changes) runs in two phases on one connection:
//  1. survey: per folder, STATUS to skip unchanged folders cheaply, else EXAMINE and
//     UID SEARCH for UIDs above the cursor received since the scan window's start;
//  2. pages: UID FETCH of ENVELOPE + INTERNALDATE in ascending UID order, pageSize at
//     a time. Each page's cursor is the highest UID in the page, so a crash or a dropped
//     connection re-reads at most one page and never skips a UID it has not stored.
// Bodies are not fetched here: the sync asks for them (fetchBody) only for linked mail.
import type { FetchMessageObject } from 'imapflow';
import { asError } from '../../domain/as-error.js';
import type { EmailItem } from '../../domain/items.js';
import type { OutboundPolicy } from '../../net/outbound-policy.js';
import type { Cursor, FetchOutcome, ItemError, MailPage, MailSighting, MailSource, PushChange } from '../types.js';
import { SourceError } from '../types.js';
import { historicWindowStart } from '../historic-window.js';
import { backoffDelay, sleep } from './backoff.js';
import type { ImapConfig } from './config.js';
import { readCursor, withFolder, type FolderCursor, type ImapCursor } from './cursor.js';
import { planFolders } from './folders.js';
import { watchFolder, type IdleOptions } from './idle-watcher.js';
import { gmailRef, parseRef, uidRef } from './refs.js';
import { ImapSession } from './session.js';
import { envelopeToItem, sourceToItem } from './to-item.js';
import { readTextParts, type PagedMessage } from './text-parts.js';
import { survey, type FolderWork } from './survey.js';

/** Whole messages asked for in one UID FETCH by fetchMany. */
const FETCH_MANY_CHUNK = 100;

export interface ImapMailSourceOptions {
  config: ImapConfig;
  /** Password or XOAUTH2 access token, decrypted; kept in memory only. */
  secret: string | (() => Promise<string>);
  /** The connection's first authorization: the scan window starts the day before. */
  authorizedAt: Date;
  /** Reconnects after a network error within one sync or body download (default 3). */
  retries?: number;
  retryBackoff?: { baseMs: number; capMs: number };
  idle?: Partial<IdleOptions>;
  /** Keep the connection open after a sync for the next one (watch); close() ends it. */
  keepSession?: boolean;
  /** The outbound-address policy the server is checked against at every connect. */
  outbound: OutboundPolicy;
}

export class ImapMailSource implements MailSource {
  /** The session of the sync, body downloads and single re-reads. */
  private main: SessionSlot = { session: null };
  /**
   * A second session for the envelopes of a sync's later pages: on the one session they queued
   * ahead of the current page's body FETCH (imapflow sends one command at a time), so the bodies
   * waited for the next page's envelopes. Opened at the second page only (a push sync is one
   * page) and closed when the sync ends.
   */
  private pages: SessionSlot = { session: null };
  private gmail = false;
  /** Gmail's "All Mail" path, once known (for gm: refs). */
  private allMailPath: string | null = null;
  private bodyQueue: { ref: string; resolve: (i: EmailItem | null) => void; reject: (e: unknown) => void }[] = [];
  /**
   * The last page's messages by ref, with their BODYSTRUCTURE: the sync asks for the bodies of
   * a page's linked mail before it asks for the next page, so only one page is ever kept.
   */
  private page = new Map<string, PagedMessage>();

  constructor(private readonly o: ImapMailSourceOptions) {}

  /**
   * The scan window starts HISTORIC_LOOKBACK_DAYS before authorizedAt: mail from just before
   * authorization is seen (headers only, never a body) and judged historic (E2) by its
   * INTERNALDATE, so explain answers "historic" with its date rather than "unknown". SEARCH
   * SINCE compares dates in a time zone of the server's choosing (RFC 3501 §6.4.4); the
   * margin covers that too.
   */
  private get scanSince(): Date {
    return historicWindowStart(this.o.authorizedAt);
  }

  async *changes(cursor: Cursor | null): AsyncIterable<MailPage> {
    let cur: ImapCursor = readCursor(cursor);
    let finished = false;
    /** The page asked for ahead: settled before the sessions close (it may be opening the pages session). */
    let ahead: Promise<unknown> = Promise.resolve();
    try {
      // A session kept from the last sync may still have a folder open: each folder below is
      // EXAMINEd afresh, so nothing is read from its old view.
      const plan = await this.retrying(async (s) => planFolders(await s.list(), this.o.config.folders, s.capabilities));
      this.gmail = plan.gmail;
      if (plan.gmail) this.allMailPath = plan.paths[0] ?? null;
      if (plan.paths.length === 0) {
        const wanted = this.o.config.folders.only ?? ['every folder but Junk, Trash and Drafts'];
        throw new SourceError('NOT_FOUND', `none of the folders ${wanted.join(', ')} exist in this mailbox`);
      }
      if (plan.missing.length) {
        // Reported on every sync (status shows it) until the folder exists or the list changes.
        const errors = plan.missing.map((f) => ({
          where: f,
          reason: `the folder "${f}" does not exist in this mailbox; it is not synced`,
        }));
        yield { sightings: [], errors, cursor: cur };
      }
      // One look per folder gives both the completeness count and the new UIDs: EXAMINE, then
      // SEARCH SINCE the window's start (the UIDs of every message in the window). The new ones
      // are those above the cursor, so "seen" after this sync can never fall short of the count
      // for a reason that is not one; mail arriving after the look is the next sync's.
      const folderCounts: NonNullable<MailPage['folderCounts']> = [];
      const work: FolderWork[] = [];
      for (const path of plan.paths) {
        const w = await this.retrying(async (s) => {
          const mb = await s.examine(path, { fresh: true });
          const inWindow = mb.exists > 0 ? await s.searchSince(this.scanSince) : [];
          folderCounts.push({ folder: path, since: this.scanSince, atServer: inWindow.length });
          return survey(path, mb, inWindow, cur.folders[path]);
        });
        if (w) work.push(w);
      }
      const total = work.reduce((n, w) => n + w.uids.length, 0);
      let done = 0;
      const seenGmailIds = new Set<string>();
      for (const w of work) {
        const size = this.o.config.pageSize;
        // A folder with nothing new still gets its cursor saved (new UIDVALIDITY or MODSEQ).
        const pages = Math.max(1, Math.ceil(w.uids.length / size));
        const uidsOf = (p: number) => w.uids.slice(p * size, (p + 1) * size);
        let fetching = this.fetchPage(w, uidsOf(0), this.main);
        for (let p = 0; p < pages; p++) {
          const uids = uidsOf(p);
          const msgs = await fetching;
          // Ask for the next page now: the server works on it while the sync stores this one.
          if (p + 1 < pages) ahead = fetching = this.fetchPage(w, uidsOf(p + 1), this.pages);
          const { sightings, errors } = this.toSightings(w, msgs, seenGmailIds);
          const last = p === pages - 1;
          const pageMax = uids.length ? uids[uids.length - 1]! : 0;
          const base = w.prev && w.prev.uidValidity === w.uidValidity ? w.prev : undefined;
          // Only once every UID below the surveyed UIDNEXT is stored may the cursor reach it,
          // and only then does the folder's MODSEQ count as caught up.
          const next: FolderCursor = {
            uidValidity: w.uidValidity,
            highestUid: Math.max(base?.highestUid ?? 0, pageMax, last ? w.uidNext - 1 : 0),
            highestModseq: last ? w.highestModseq : (base?.highestModseq ?? null),
          };
          cur = withFolder(cur, w.path, next);
          done += uids.length;
          yield { sightings, errors, cursor: cur, progress: { done, total } };
        }
      }
      yield { sightings: [], errors: [], cursor: cur, folderCounts };
      finished = true;
    } finally {
      await ahead.catch(() => undefined);
      // After an error or an abandoned sync the session's state is unknown: never keep it.
      if (!finished || !this.o.keepSession) await this.closeSession(this.main, this.pages);
      else await this.closeSession(this.pages);
    }
  }

  /** Forgets these folders' positions: the next sync re-reads their scan window (stored mail dedupes). */
  rescan(cursor: Cursor | null, folders: string[]): Cursor {
    const cur = readCursor(cursor);
    const kept = Object.fromEntries(Object.entries(cur.folders).filter(([path]) => !folders.includes(path)));
    return { ...cur, folders: kept };
  }

  /** Ends a kept session (keepSession). */
  async close(): Promise<void> {
    await this.closeSession(this.main, this.pages);
  }

  /** Envelopes of these UIDs; started ahead of time, so a failure waits to be awaited. */
  private fetchPage(w: FolderWork, uids: number[], on: SessionSlot): Promise<FetchMessageObject[]> {
    if (uids.length === 0) return Promise.resolve([]);
    const p = this.retrying(async (s) => {
      const mb = await s.examine(w.path);
      if (mb.uidValidity !== w.uidValidity) {
        throw new SourceError('CURSOR_INVALID', `the UIDVALIDITY of "${w.path}" changed during the sync; the next sync re-scans it`);
      }
      return s.fetchEnvelopes(uids, this.gmail);
    }, on);
    p.catch(() => undefined); // not unhandled while the sync is storing the previous page
    return p;
  }

  private toSightings(
    w: FolderWork,
    msgs: FetchMessageObject[],
    seenGmailIds: Set<string>,
  ): { sightings: MailSighting[]; errors: ItemError[] } {
    const sightings: MailSighting[] = [];
    const errors: ItemError[] = [];
    this.page = new Map();
    msgs.sort((a, b) => a.uid - b.uid);
    for (const m of msgs) {
      const gmId = this.gmail && m.emailId ? m.emailId : null;
      if (gmId && seenGmailIds.has(gmId)) continue; // the same Gmail message under another label
      if (gmId) seenGmailIds.add(gmId);
      const ref = gmId ? gmailRef(gmId) : uidRef(w.path, w.uidValidity, m.uid);
      const r = envelopeToItem(m, ref);
      if ('reason' in r) errors.push(r);
      else {
        sightings.push({ ref, folder: w.path, item: r });
        if (!gmId && m.bodyStructure) {
          this.page.set(ref, { path: w.path, uidValidity: w.uidValidity, uid: m.uid, structure: m.bodyStructure, item: r });
        }
      }
    }
    return { sightings, errors };
  }

  async fetch(ref: string): Promise<EmailItem | null> {
    const [item] = await this.readWhole([ref], this.main);
    return item ?? null;
  }

  /**
   * Whole messages for many refs (a page of a directory change): one UID FETCH per folder and
   * chunk of FETCH_MANY_CHUNK (whole messages: a chunk bounds what is held at once), on a
   * session of its own, closed after the call: under `watch` this source is the live sync's
   * too, and an EXAMINE of another folder on its session would move that sync's FETCH there.
   * A folder that cannot be read fails its own refs only (an Error each); the others are read.
   */
  async fetchMany(refs: string[]): Promise<FetchOutcome[]> {
    const own: SessionSlot = { session: null };
    try {
      const out: FetchOutcome[] = [];
      for (let i = 0; i < refs.length; i += FETCH_MANY_CHUNK) {
        const failed = new Map<number, Error>();
        const chunk = await this.readWhole(refs.slice(i, i + FETCH_MANY_CHUNK), own, {
          closeAfter: false,
          onFolderError: (indexes, err) => {
            for (const k of indexes) failed.set(k, err);
          },
        });
        out.push(...chunk.map((item, k) => failed.get(k) ?? item));
      }
      return out;
    } finally {
      await this.closeSession(own);
    }
  }

  /**
   * The body of a message the sync decided to link. Calls made together (the sync asks for
   * a page's linked mail at once) are batched into one UID FETCH per folder.
   */
  fetchBody(ref: string): Promise<EmailItem | null> {
    return new Promise((resolve, reject) => {
      this.bodyQueue.push({ ref, resolve, reject });
      // Calls made in one go (a page's linked mail) are batched; sent before the caller moves on
      // (the sync writes the page before while these are read), not after its next macrotask.
      if (this.bodyQueue.length === 1) queueMicrotask(() => void this.flushBodies());
    });
  }

  /**
   * Messages of the last page are read by their text parts alone (text-parts.ts); the rest, and
   * those whose structure needs the whole message (an inline forwarded message), whole.
   */
  private async flushBodies(): Promise<void> {
    const batch = this.bodyQueue.splice(0);
    try {
      const paged = batch.map((b) => this.page.get(b.ref)).filter((m): m is PagedMessage => !!m);
      const byParts = paged.length ? await this.retrying((s) => readTextParts(s, paged)) : new Map<string, EmailItem | null>();
      const whole = batch.filter((b) => !byParts.has(b.ref)).map((b) => b.ref);
      const items = whole.length ? await this.readWhole(whole, this.main) : [];
      const wholeOf = new Map(whole.map((ref, i) => [ref, items[i] ?? null]));
      for (const b of batch) b.resolve(byParts.get(b.ref) ?? wholeOf.get(b.ref) ?? null);
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  /**
   * Whole messages for refs, in order (null where a message is gone or its UIDVALIDITY changed).
   * `onFolderError`: a folder that fails is reported with its refs' indexes (left null) instead
   * of failing the call.
   */
  private async readWhole(
    refs: string[],
    on: SessionSlot,
    opts: { closeAfter?: boolean; onFolderError?: (indexes: number[], err: Error) => void } = {},
  ): Promise<(EmailItem | null)[]> {
    const out: (EmailItem | null)[] = refs.map(() => null);
    const byPath = new Map<string, { uidValidity: string | null; uid?: number; gmId?: string; index: number }[]>();
    refs.forEach((ref, index) => {
      const r = parseRef(ref);
      if (!r) return;
      const path = r.kind === 'uid' ? r.path : (this.allMailPath ?? '');
      const list = byPath.get(path) ?? [];
      list.push(r.kind === 'uid' ? { uidValidity: r.uidValidity, uid: r.uid, index } : { uidValidity: null, gmId: r.msgId, index });
      byPath.set(path, list);
    });
    const ephemeral = opts.closeAfter !== false && !on.session && !this.o.keepSession;
    try {
      for (const [path, wanted] of byPath) {
        const read = this.retrying(async (s) => {
          let target = path;
          if (wanted.some((w) => w.gmId) && !target) {
            const plan = planFolders(await s.list(), { include: [], exclude: [], only: ['\\All'] }, s.capabilities);
            target = this.allMailPath = plan.paths[0] ?? '';
          }
          if (!target) return;
          const mb = await s.examine(target);
          const uidOf = new Map<number, number[]>();
          for (const w of wanted) {
            if (w.uidValidity !== null && w.uidValidity !== mb.uidValidity) continue;
            const uid = w.uid ?? (await s.searchGmailId(w.gmId!))[0];
            if (uid !== undefined) uidOf.set(uid, [...(uidOf.get(uid) ?? []), w.index]);
          }
          for (const m of await s.fetchSources([...uidOf.keys()])) {
            const item = await sourceToItem(m).catch(() => null);
            for (const i of uidOf.get(m.uid) ?? []) out[i] = item;
          }
        }, on);
        if (!opts.onFolderError) await read;
        else {
          const failed = await read.then(() => null, asError);
          if (failed)
            opts.onFolderError(
              wanted.map((w) => w.index),
              failed,
            );
        }
      }
    } finally {
      if (ephemeral) await this.closeSession(on);
    }
    return out;
  }

  /** Push: IDLE on INBOX (RFC 2177); resolves when `signal` aborts. */
  async watch(
    onChange: (why: PushChange) => void,
    signal: AbortSignal,
    onState?: (state: 'idle' | 'reconnecting', detail?: string) => void,
  ): Promise<void> {
    await watchFolder({
      open: () => ImapSession.open(this.o.config, this.o.secret, this.o.outbound),
      path: 'INBOX',
      onChange,
      signal,
      ...(onState ? { onState } : {}),
      ...this.o.idle,
    });
  }

  /** Runs `fn` on the slot's session, reconnecting with backoff after network errors. */
  private async retrying<T>(fn: (s: ImapSession) => Promise<T>, on: SessionSlot = this.main): Promise<T> {
    const retries = this.o.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        let s = on.session;
        if (!s?.usable) {
          await this.closeSession(on);
          s = on.session = await ImapSession.open(this.o.config, this.o.secret, this.o.outbound);
        }
        return await fn(s);
      } catch (err) {
        if (!(err instanceof SourceError) || err.code !== 'NETWORK' || attempt >= retries) throw err;
        await this.closeSession(on);
        await sleep(backoffDelay(attempt, this.o.retryBackoff ?? { baseMs: 500, capMs: 8_000 }));
      }
    }
  }

  /** Closes these slots' sessions. */
  private async closeSession(...slots: SessionSlot[]): Promise<void> {
    const open = slots.map((slot) => slot.session);
    for (const slot of slots) slot.session = null;
    await Promise.all(open.map((s) => s?.close()));
  }
}

/** Where a session is kept: the sync's own two, or a call's own (fetchMany). */
interface SessionSlot {
  session: ImapSession | null;
}
