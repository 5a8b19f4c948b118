// What both folder sources share: walking the tree, the file-version cursor, and paging.
//
// Cursor: a JSON object mapping ref (path relative to the root, "/" separators) → version
// ("mtimeMs:size"). Each page's cursor = the files unchanged since the previous cursor +
// every file handled so far, so saving it after storing the page is correct and a crash
// re-reads at most one page. Files that vanished simply drop out of it.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { type ItemError, SourceError } from '../types.js';

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

/** True when `p` is `dir` or below it (both real paths). */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The folder's real path, checked at every scan. `within` (connections made through the API):
 * the workspace's folder it must still lie in — a symlink swapped in since it was connected,
 * or a parent moved, is refused here, in words that name no path outside.
 */
export async function openFolder(root: string, what: string, within?: string): Promise<string> {
  if (within !== undefined) {
    const [real, bound] = await Promise.all([realpath(root).catch(() => null), realpath(within).catch(() => null)]);
    if (!real || !bound || !isInside(bound, real) || !(await stat(real)).isDirectory())
      throw new SourceError(
        'NOT_FOUND',
        `refused by policy: the ${what} folder no longer leads to a folder inside this workspace's folder; connect it again`,
      );
    return real;
  }
  const st = await stat(root).catch(() => null);
  if (!st) throw new SourceError('NOT_FOUND', `${what} folder ${root} does not exist`);
  if (!st.isDirectory()) throw new SourceError('NOT_FOUND', `${what} folder ${root} is not a folder`);
  return realpath(root);
}

/** Decides which directories to enter (seeing their siblings) and which files to take. */
export interface WalkRules {
  dir(name: string, siblings: ReadonlySet<string>, abs: string): boolean;
  file(name: string, parentRel: string): boolean;
}

/**
 * How far one scan goes (TOUCHPOINT_FOLDER_MAX_DEPTH / _MAX_FILES): a tree deeper or bigger
 * than this is read up to the limit, with an error saying what was left out — a folder of
 * the whole disk cannot keep a sync walking for hours or fill the memory with its listing.
 */
export interface ScanLimits {
  /** Directory levels below the connected folder that are entered. */
  maxDepth: number;
  /** Files taken per scan (and DIRS_PER_FILE times as many directories entered: a tree of empty folders stops too). */
  maxFiles: number;
}

export const DIRS_PER_FILE = 10;

export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxDepth: 16, maxFiles: 100_000 };

export interface Listing {
  files: FileEntry[];
  /** False when a limit left something out: files not seen then are not gone. */
  complete: boolean;
  /** What the limits left out, in plain words (refs relative to the folder, never beyond it). */
  errors: ItemError[];
}

/**
 * Every accepted file under `root` (a real path), sorted by ref so pages come in a stable
 * order. Directories are walked in name order, so a limit always cuts at the same place.
 * Symbolic links are neither entered nor read (Dirent of a link is neither file nor directory).
 */
export async function listFiles(root: string, rules: WalkRules, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<Listing> {
  const out: FileEntry[] = [];
  let dirs = 0;
  let full = false;
  let tooDeep = 0;
  let firstTooDeep = '';
  async function walk(rel: string, depth: number): Promise<void> {
    const entries = (await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => [])).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      if (full) return;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!rules.dir(e.name, names, path.join(root, childRel))) continue;
        if (depth + 1 > limits.maxDepth) {
          if (tooDeep++ === 0) firstTooDeep = childRel;
          continue;
        }
        if (++dirs > DIRS_PER_FILE * limits.maxFiles) {
          full = true;
          return;
        }
        await walk(childRel, depth + 1);
      } else if (e.isFile() && rules.file(e.name, rel)) {
        if (out.length >= limits.maxFiles) {
          full = true;
          return;
        }
        const abs = path.join(root, childRel);
        const st = await stat(abs).catch(() => null); // gone since readdir: skip
        if (st) out.push({ ref: childRel, abs, version: `${st.mtimeMs}:${st.size}`, mtime: st.mtime });
      }
    }
  }
  await walk('', 0);
  const errors: ItemError[] = [];
  if (tooDeep)
    errors.push({
      where: firstTooDeep,
      reason: `${tooDeep === 1 ? 'this folder is' : `${tooDeep} folders (this one first) are`} nested more than ${limits.maxDepth} levels deep and were not read (limit: TOUCHPOINT_FOLDER_MAX_DEPTH)`,
    });
  if (full)
    errors.push({
      where: '.',
      reason: `the folder holds more than ${limits.maxFiles} files (or ${DIRS_PER_FILE * limits.maxFiles} folders): only the first were read (limit: TOUCHPOINT_FOLDER_MAX_FILES)`,
    });
  out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  return { files: out, complete: !full && tooDeep === 0, errors };
}

/**
 * Reads a listed file, or null when it vanished — or no longer lies inside the folder (a
 * symlink swapped in since the listing is not followed out of it; see readVerified).
 */
export async function readListed(realRoot: string, abs: string): Promise<Buffer | null> {
  const real = await realpath(abs).catch(() => null);
  if (!real || !isInside(realRoot, real)) return null;
  const fh = await open(real, OPEN_FLAGS).catch((err: NodeJS.ErrnoException) => {
    // The file itself swapped for a symlink since realpath: O_NOFOLLOW refuses it with ELOOP
    // (Linux, macOS), EMLINK on FreeBSD.
    if (err.code === 'ELOOP' || err.code === 'EMLINK') return null;
    throw err;
  });
  if (!fh) return null;
  try {
    const st = await fh.stat();
    if (!st.isFile() || !(await reachedInside(realRoot, real, fh.fd, st))) return null;
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * A file by ref (a re-read), or null when it is gone, is not a file, or no longer lies inside
 * the folder (its real path, symlinks followed, is checked as readListed does). Synchronous on
 * purpose: a re-decision re-reads thousands of small files, and a promise per realpath / open /
 * stat / read cost about six times the CPU of these calls (benchmarks.md, Directory change);
 * each file holds the event loop for tens of microseconds.
 */
export function readRefNow(realRoot: string, ref: string): { raw: Buffer; mtime: Date } | null {
  const abs = resolveRef(realRoot, ref);
  if (!abs) return null;
  try {
    const real = realpathSync.native(abs);
    if (!isInside(realRoot, real)) return null;
    const fd = openSync(real, OPEN_FLAGS);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || !reachedInsideNow(realRoot, real, fd, st)) return null;
      return { raw: readFileSync(fd), mtime: st.mtime };
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

// realpath says where a file is; open then walks the path again, and a directory on it swapped
// for a symlink in between (TOCTOU) would lead the open out of the folder. So the file is opened
// without following a final symlink, and what was opened is checked afterwards, before a byte
// is read: where Linux names an open file (/proc/self/fd/N, the path of the very file open),
// that path must be the one realpath gave; elsewhere, every directory from the root down must
// still be a directory (not a symlink) and the path must name the file open (same device and
// inode). A file reached by a detour outside fails the check and reads as gone. (Node has no
// openat, which would walk the path a component at a time from the root's descriptor.)
//
// Non-blocking: opening a named pipe for reading would otherwise wait for a writer, with the
// event loop held; a pipe (or device) is then refused as not a file.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

/** Whether this system names open files under /proc/self/fd (Linux); checked once. */
let procFd: boolean | undefined;
function hasProcFd(): boolean {
  if (procFd === undefined) {
    try {
      procFd = readlinkSync('/proc/self/fd/0').length > 0;
    } catch {
      procFd = false;
    }
  }
  return procFd;
}

/** The directories from `realRoot` (included) down to `real`'s parent. */
function dirsDown(realRoot: string, real: string): string[] {
  const parts = path.relative(realRoot, real).split(path.sep).slice(0, -1);
  const dirs = [realRoot];
  for (const part of parts) dirs.push(path.join(dirs[dirs.length - 1]!, part));
  return dirs;
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

function reachedInsideNow(realRoot: string, real: string, fd: number, opened: Stats): boolean {
  if (hasProcFd()) return readlinkSync(`/proc/self/fd/${fd}`) === real;
  for (const dir of dirsDown(realRoot, real)) if (!lstatSync(dir).isDirectory()) return false;
  return sameFile(lstatSync(real), opened);
}

async function reachedInside(realRoot: string, real: string, fd: number, opened: Stats): Promise<boolean> {
  if (hasProcFd()) return (await readlink(`/proc/self/fd/${fd}`).catch(() => null)) === real;
  for (const dir of dirsDown(realRoot, real)) if (!(await lstat(dir).catch(() => null))?.isDirectory()) return false;
  const now = await lstat(real).catch(() => null);
  return now !== null && sameFile(now, opened);
}

/** Splits the listing against the cursor: what changed, what stayed, what vanished. */
export function diff(files: FileEntry[], prev: FileCursor, complete = true): { changed: FileEntry[]; kept: FileCursor; gone: string[] } {
  const kept: FileCursor = {};
  const changed: FileEntry[] = [];
  const present = new Set<string>();
  for (const f of files) {
    present.add(f.ref);
    if (prev[f.ref] === f.version) kept[f.ref] = f.version;
    else changed.push(f);
  }
  const unseen = Object.keys(prev).filter((ref) => !present.has(ref));
  // A listing cut short by a limit did not see everything: what it missed is not deleted.
  if (!complete) {
    for (const ref of unseen) kept[ref] = prev[ref]!;
    return { changed, kept, gone: [] };
  }
  return { changed, kept, gone: unseen };
}

/** Resolves a ref inside root; null for refs that would leave it ("../", absolute). */
export function resolveRef(root: string, ref: string): string | null {
  if (!ref || path.isAbsolute(ref) || ref.split(/[\\/]/).includes('..')) return null;
  return path.join(root, ref);
}

export function isHidden(name: string): boolean {
  return name.startsWith('.');
}
