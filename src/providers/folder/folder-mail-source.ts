// Local folder mail provider (demos and imports): a tree of .eml files and/or Maildirs.
//
// - In a Maildir (a directory with cur/ or new/) every file of cur/ and new/ is a message,
//   whatever its name; tmp/ holds half-delivered files and is skipped (maildir(5)).
// - Elsewhere only *.eml files count. Dotfiles are skipped, except Maildir++ folders
//   (".Sent", ".Archive.2020"), which are the Sent/archive folders of a Maildir++ store.
// - The folder of a sighting is its directory without the cur/new segment ("" → INBOX;
//   ".Archive.2020" → "Archive/2020").
// - A file that does not parse is reported once per version: its version goes into the
//   cursor with the page, so it is not retried (nor re-reported) until the file changes.
import { existsSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import path from 'node:path';
import { asError } from '../../domain/as-error.js';
import type { EmailItem } from '../../domain/items.js';
import { parseEmail, MalformedItemError } from '../../formats/mime/parse-email.js';
import type { Cursor, FetchOutcome, ItemError, MailPage, MailSighting, MailSource } from '../types.js';
import {
  DEFAULT_SCAN_LIMITS,
  diff,
  type FileEntry,
  isHidden,
  listFiles,
  openFolder,
  readCursor,
  readListed,
  readRefNow,
  type ScanLimits,
} from './scan.js';

export interface FolderMailSourceOptions {
  root: string;
  /** Files per page (default 200). */
  pageSize?: number;
  /** The workspace's folder the root must still lie in (connections made through the API). */
  within?: string;
  limits?: ScanLimits;
}

const MAILDIR_LEAVES = new Set(['cur', 'new']);
/** Files re-read between two turns of the event loop (≈ 1 ms of CPU each for a small message). */
const REREAD_SLICE = 32;

export class FolderMailSource implements MailSource {
  private readonly root: string;
  private readonly pageSize: number;
  private readonly within: string | undefined;
  private readonly limits: ScanLimits;
  /** The root's real path, as of the last scan (fetch reads only inside it). */
  private realRoot: string | null = null;

  constructor(opts: FolderMailSourceOptions) {
    this.root = opts.root;
    this.pageSize = Math.max(1, opts.pageSize ?? 200);
    this.within = opts.within;
    this.limits = opts.limits ?? DEFAULT_SCAN_LIMITS;
  }

  async *changes(cursor: Cursor | null): AsyncIterable<MailPage> {
    const root = await openFolder(this.root, 'mail', this.within);
    this.realRoot = root;
    const prev = readCursor(cursor);
    const listing = await listFiles(
      root,
      {
        dir: (name, siblings, abs) => {
          if (name === 'tmp' && (siblings.has('cur') || siblings.has('new'))) return false;
          return !isHidden(name) || (isMaildirPlusPlus(name) && isMaildir(abs));
        },
        file: (name, parentRel) => !isHidden(name) && (isMaildirLeaf(parentRel) || /\.eml$/i.test(name)),
      },
      this.limits,
    );
    const { changed, kept, gone } = diff(listing.files, prev, listing.complete);
    if (changed.length === 0) {
      // Nothing to read; still hand back a cursor without the vanished files (and what a limit left out).
      if (gone.length || listing.errors.length)
        yield { sightings: [], errors: listing.errors, cursor: { ...kept }, progress: { done: 0, total: 0 } };
      return;
    }
    const next = { ...kept };
    for (let i = 0; i < changed.length; i += this.pageSize) {
      const sightings: MailSighting[] = [];
      const errors: ItemError[] = i === 0 ? [...listing.errors] : [];
      for (const file of changed.slice(i, i + this.pageSize)) {
        const result = await this.readOne(root, file);
        if (result === null) continue; // vanished between listing and reading
        next[file.ref] = file.version;
        if ('reason' in result) errors.push(result);
        else sightings.push(result);
      }
      const done = Math.min(i + this.pageSize, changed.length);
      yield { sightings, errors, cursor: { ...next }, progress: { done, total: changed.length } };
    }
  }

  async fetch(ref: string): Promise<EmailItem | null> {
    const [outcome] = await this.fetchMany([ref]);
    if (outcome instanceof Error) throw outcome;
    return outcome ?? null;
  }

  /** Files by ref, in order: null where one is gone or outside the folder, the parser's error where one is malformed. */
  async fetchMany(refs: string[]): Promise<FetchOutcome[]> {
    // Resolved once per source, as a scan does: a re-decision fetches thousands of messages,
    // and re-checking the folder (stat + realpath) for each was ~45 % of a re-link's time.
    // Each file is still resolved and checked to lie inside this root (readRefNow).
    this.realRoot ??= await openFolder(this.root, 'mail', this.within).catch(() => null);
    const root = this.realRoot;
    const out: FetchOutcome[] = [];
    for (const [k, ref] of refs.entries()) {
      // Reads are synchronous and parsing yields to microtasks only: let timers and other
      // syncs of the process (a pushed message) run between slices of a page of re-reads.
      if (k > 0 && k % REREAD_SLICE === 0) await nextTurn();
      const file = root ? readRefNow(root, ref) : null;
      if (!file) out.push(null);
      else out.push(await parseEmail(file.raw, { fallbackReceivedAt: file.mtime }).catch((err: unknown) => asError(err)));
    }
    return out;
  }

  private async readOne(root: string, file: FileEntry): Promise<MailSighting | ItemError | null> {
    let raw: Buffer | null;
    try {
      raw = await readListed(root, file.abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      // The code only: the message would carry the server's absolute path.
      return { where: file.ref, reason: `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    if (raw === null) return null;
    try {
      const item = await parseEmail(raw, { fallbackReceivedAt: file.mtime });
      return { ref: file.ref, folder: folderOf(file.ref), item };
    } catch (err) {
      const reason = err instanceof MalformedItemError ? err.reason : `unexpected parser failure (${(err as Error).message})`;
      return { where: file.ref, reason };
    }
  }
}

/** "Work/cur/123:2,S" → "Work"; "cur/1" → "INBOX"; ".Archive.2020/new/9" → "Archive/2020". */
export function folderOf(ref: string): string {
  const dirs = ref.split('/').slice(0, -1);
  if (dirs.length && MAILDIR_LEAVES.has(dirs[dirs.length - 1]!)) dirs.pop();
  const folder = dirs.map((d) => (isMaildirPlusPlus(d) ? d.slice(1).split('.').join('/') : d)).join('/');
  return folder === '' ? 'INBOX' : folder;
}

function isMaildirLeaf(parentRel: string): boolean {
  const last = parentRel.split('/').pop() ?? '';
  return MAILDIR_LEAVES.has(last);
}

/** Maildir++ sub-folders are directories named ".Name" that are Maildirs themselves. */
function isMaildirPlusPlus(name: string): boolean {
  return /^\.[^.]/.test(name);
}

function isMaildir(abs: string): boolean {
  return existsSync(path.join(abs, 'cur')) || existsSync(path.join(abs, 'new'));
}
