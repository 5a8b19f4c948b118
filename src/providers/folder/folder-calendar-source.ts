// Local folder calendar provider: every *.ics file under the root (recursively, dotfiles
// skipped) is one CalendarObject. This source only reads; parsing and expansion happen in
// the sync layer (ical/parse-calendar.ts), so one bad event never hides a file here.
//
// Same cursor as the mail source (ref → "mtimeMs:size"); refs in the cursor whose file is
// gone come back in `deletes` (on the first page). A file that is empty or not text is an
// ItemError, reported once per version (its version is recorded with the page).
import type { CalendarObject, CalendarPage, CalendarSource, Cursor, ItemError } from '../types.js';
import {
  DEFAULT_SCAN_LIMITS,
  diff,
  type FileEntry,
  isHidden,
  listFiles,
  openFolder,
  readCursor,
  readListed,
  type ScanLimits,
} from './scan.js';

export interface FolderCalendarSourceOptions {
  root: string;
  /** Files per page (default 200). */
  pageSize?: number;
  /** The workspace's folder the root must still lie in (connections made through the API). */
  within?: string;
  limits?: ScanLimits;
}

export class FolderCalendarSource implements CalendarSource {
  private readonly root: string;
  private readonly pageSize: number;
  private readonly within: string | undefined;
  private readonly limits: ScanLimits;

  constructor(opts: FolderCalendarSourceOptions) {
    this.root = opts.root;
    this.pageSize = Math.max(1, opts.pageSize ?? 200);
    this.within = opts.within;
    this.limits = opts.limits ?? DEFAULT_SCAN_LIMITS;
  }

  async *changes(cursor: Cursor | null): AsyncIterable<CalendarPage> {
    const root = await openFolder(this.root, 'calendar', this.within);
    const prev = readCursor(cursor);
    const listing = await listFiles(
      root,
      { dir: (name) => !isHidden(name), file: (name) => !isHidden(name) && /\.ics$/i.test(name) },
      this.limits,
    );
    const { changed, kept, gone } = diff(listing.files, prev, listing.complete);
    if (changed.length === 0) {
      if (gone.length || listing.errors.length)
        yield { upserts: [], deletes: gone, errors: listing.errors, cursor: { ...kept }, progress: { done: 0, total: 0 } };
      return;
    }
    const next = { ...kept };
    for (let i = 0; i < changed.length; i += this.pageSize) {
      const upserts: CalendarObject[] = [];
      const errors: ItemError[] = i === 0 ? [...listing.errors] : [];
      for (const file of changed.slice(i, i + this.pageSize)) {
        const result = await readOne(root, file);
        if (result === null) continue; // vanished between listing and reading
        next[file.ref] = file.version;
        if ('reason' in result) errors.push(result);
        else upserts.push(result);
      }
      const done = Math.min(i + this.pageSize, changed.length);
      yield {
        upserts,
        deletes: i === 0 ? gone : [],
        errors,
        cursor: { ...next },
        progress: { done, total: changed.length },
      };
    }
  }
}

async function readOne(root: string, file: FileEntry): Promise<CalendarObject | ItemError | null> {
  let raw: Buffer | null;
  try {
    raw = await readListed(root, file.abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // The code only: the message would carry the server's absolute path.
    return { where: file.ref, reason: `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (raw === null) return null;
  const ics = decodeText(raw);
  if (ics === null) return { where: file.ref, reason: 'the file is not text (not valid UTF-8)' };
  if (ics.trim() === '') return { where: file.ref, reason: 'the file is empty' };
  return { ref: file.ref, version: file.version, ics };
}

/**
 * RFC 5545 §3.1.4 says UTF-8; Outlook can save UTF-16 with a byte-order mark, which we
 * accept too. Anything else that is not valid UTF-8 (or holds NUL bytes) is not a calendar.
 */
export function decodeText(raw: Buffer): string | null {
  try {
    let text: string;
    if (raw[0] === 0xff && raw[1] === 0xfe) text = new TextDecoder('utf-16le', { fatal: true }).decode(raw.subarray(2));
    else if (raw[0] === 0xfe && raw[1] === 0xff) text = new TextDecoder('utf-16be', { fatal: true }).decode(raw.subarray(2));
    else text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw);
    return text.includes('\u0000') ? null : text;
  } catch {
    return null;
  }
}
