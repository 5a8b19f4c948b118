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
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EmailItem } from '../../domain/items.js';
import { parseEmail, MalformedItemError } from '../../formats/mime/parse-email.js';
import type { Cursor, ItemError, MailPage, MailSighting, MailSource } from '../types.js';
import { assertFolder, diff, isHidden, listFiles, readCursor, resolveRef, type FileEntry } from './scan.js';

export interface FolderMailSourceOptions {
  root: string;
  /** Files per page (default 200). */
  pageSize?: number;
}

const MAILDIR_LEAVES = new Set(['cur', 'new']);

export class FolderMailSource implements MailSource {
  private readonly root: string;
  private readonly pageSize: number;

  constructor(opts: FolderMailSourceOptions) {
    this.root = opts.root;
    this.pageSize = Math.max(1, opts.pageSize ?? 200);
  }

  async *changes(cursor: Cursor | null): AsyncIterable<MailPage> {
    await assertFolder(this.root, 'mail');
    const prev = readCursor(cursor);
    const files = await listFiles(this.root, {
      dir: (name, siblings, abs) => {
        if (name === 'tmp' && (siblings.has('cur') || siblings.has('new'))) return false;
        return !isHidden(name) || (isMaildirPlusPlus(name) && isMaildir(abs));
      },
      file: (name, parentRel) => !isHidden(name) && (isMaildirLeaf(parentRel) || /\.eml$/i.test(name)),
    });
    const { changed, kept, gone } = diff(files, prev);
    if (changed.length === 0) {
      // Nothing to read; still hand back a cursor without the vanished files.
      if (gone.length) yield { sightings: [], errors: [], cursor: { ...kept }, progress: { done: 0, total: 0 } };
      return;
    }
    const next = { ...kept };
    for (let i = 0; i < changed.length; i += this.pageSize) {
      const sightings: MailSighting[] = [];
      const errors: ItemError[] = [];
      for (const file of changed.slice(i, i + this.pageSize)) {
        const result = await this.readOne(file);
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
    const abs = resolveRef(this.root, ref);
    if (!abs) return null;
    const st = await stat(abs).catch(() => null);
    if (!st?.isFile()) return null;
    const raw = await readFile(abs).catch(() => null);
    return raw ? parseEmail(raw, { fallbackReceivedAt: st.mtime }) : null;
  }

  private async readOne(file: FileEntry): Promise<MailSighting | ItemError | null> {
    let raw: Buffer;
    try {
      raw = await readFile(file.abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return { where: file.ref, reason: `the file cannot be read (${(err as Error).message})` };
    }
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
