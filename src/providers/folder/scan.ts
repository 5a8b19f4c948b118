// What both folder sources share: walking the tree, the file-version cursor, and paging.
//
// Cursor: a JSON object mapping ref (path relative to the root, "/" separators) → version
// ("mtimeMs:size"). Each page's cursor = the files unchanged since the previous cursor +
// every file handled so far, so saving it after storing the page is correct and a crash
// re-reads at most one page. Files that vanished simply drop out of it.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SourceError } from '../types.js';

export interface FileEntry {
  ref: string;
  abs: string;
  version: string;
  mtime: Date;
}

export type FileCursor = Record<string, string>;

/** Refuses a cursor we did not write, so the sync can fall back to a full re-scan. */
export function readCursor(cursor: unknown): FileCursor {
  if (cursor === null || cursor === undefined) return {};
  if (typeof cursor !== 'object' || Array.isArray(cursor)) {
    throw new SourceError('CURSOR_INVALID', 'the saved folder position is not a file list; a full re-scan is needed');
  }
  const out: FileCursor = {};
  for (const [ref, version] of Object.entries(cursor as Record<string, unknown>)) {
    if (typeof version !== 'string') {
      throw new SourceError('CURSOR_INVALID', `the saved folder position has a bad entry for ${ref}; a full re-scan is needed`);
    }
    out[ref] = version;
  }
  return out;
}

export async function assertFolder(root: string, what: string): Promise<void> {
  const st = await stat(root).catch(() => null);
  if (!st) throw new SourceError('NOT_FOUND', `${what} folder ${root} does not exist`);
  if (!st.isDirectory()) throw new SourceError('NOT_FOUND', `${what} folder ${root} is not a folder`);
}

/** Decides which directories to enter (seeing their siblings) and which files to take. */
export interface WalkRules {
  dir(name: string, siblings: ReadonlySet<string>, abs: string): boolean;
  file(name: string, parentRel: string): boolean;
}

/** Every accepted file under root, sorted by ref so pages come in a stable order. */
export async function listFiles(root: string, rules: WalkRules): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (rules.dir(e.name, names, path.join(root, childRel))) await walk(childRel);
      } else if (e.isFile() && rules.file(e.name, rel)) {
        const abs = path.join(root, childRel);
        const st = await stat(abs).catch(() => null); // gone since readdir: skip
        if (st) out.push({ ref: childRel, abs, version: `${st.mtimeMs}:${st.size}`, mtime: st.mtime });
      }
    }
  }
  await walk('');
  return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

/** Splits the listing against the cursor: what changed, what stayed, what vanished. */
export function diff(files: FileEntry[], prev: FileCursor): { changed: FileEntry[]; kept: FileCursor; gone: string[] } {
  const kept: FileCursor = {};
  const changed: FileEntry[] = [];
  const present = new Set<string>();
  for (const f of files) {
    present.add(f.ref);
    if (prev[f.ref] === f.version) kept[f.ref] = f.version;
    else changed.push(f);
  }
  const gone = Object.keys(prev).filter((ref) => !present.has(ref));
  return { changed, kept, gone };
}

/** Resolves a ref inside root; null for refs that would leave it ("../", absolute). */
export function resolveRef(root: string, ref: string): string | null {
  if (!ref || path.isAbsolute(ref) || ref.split(/[\\/]/).includes('..')) return null;
  return path.join(root, ref);
}

export function isHidden(name: string): boolean {
  return name.startsWith('.');
}
