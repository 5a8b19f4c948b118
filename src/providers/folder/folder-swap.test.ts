// A directory of the connected folder swapped for a symlink to somewhere else between the check
// (realpath: "this file lies inside the folder") and the open: the open must not follow it out.
// The swap is made deterministic by doing it right after our realpath answers, through a hook
// on node:fs / node:fs/promises, for both reads: the scan's (readListed) and the re-read's
// (fetchMany → readRefNow).
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MailPage } from '../types.js';

/** Run once, right after the next realpath of a path ending in `when` answers. */
const swap: { when: string | null; act: () => void } = { when: null, act: () => undefined };
/** As on a system without /proc/self/fd (macOS): the check falls back to lstat and inodes. */
const noProc = { on: false };
const procGone = (p: unknown) => {
  if (noProc.on && String(p).startsWith('/proc/')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
};
function afterRealpath(p: unknown): void {
  if (swap.when && String(p).endsWith(swap.when)) {
    swap.when = null;
    swap.act();
  }
}

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const native = (p: string) => {
    const real = fs.realpathSync.native(p);
    afterRealpath(p);
    return real;
  };
  const realpathSync = Object.assign((p: string) => fs.realpathSync(p), { native });
  const readlinkSync = ((p: string) => {
    procGone(p);
    return fs.readlinkSync(p);
  }) as typeof fs.readlinkSync;
  return { ...fs, default: { ...fs, realpathSync, readlinkSync }, realpathSync, readlinkSync };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const realpath = async (p: string) => {
    const real = await fsp.realpath(p);
    afterRealpath(p);
    return real;
  };
  const readlink = async (p: string) => {
    procGone(p);
    return fsp.readlink(p);
  };
  return { ...fsp, default: { ...fsp, realpath, readlink }, realpath, readlink };
});

const SECRET = 'SECRET-OUTSIDE-THE-ROOT';
const eml = (id: string, body: string) =>
  `Message-ID: <${id}@acme.com>\r\nFrom: john@acme.com\r\nTo: alice@ourco.com\r\nSubject: ${id}\r\nDate: Thu, 05 Mar 2026 10:00:00 +0000\r\n\r\n${body}\r\n`;

let base: string;
let root: string;
let outside: string;
beforeEach(() => {
  base = mkdtempSync(path.join(tmpdir(), 'tp-swap-'));
  root = path.join(base, 'mail');
  outside = path.join(base, 'outside');
  mkdirSync(path.join(root, 'Work'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(root, 'Work', 'a.eml'), eml('inside', 'inside body'));
  // Same name as the message inside: the swapped-in directory holds a message of its own.
  writeFileSync(path.join(outside, 'a.eml'), eml('outside', SECRET));
});
afterEach(() => {
  swap.when = null;
  rmSync(base, { recursive: true, force: true });
});

/** Work/ becomes a symlink to the outside directory (the original moved aside). */
const swapWorkForSymlink = () => {
  renameSync(path.join(root, 'Work'), path.join(base, 'Work.moved'));
  symlinkSync(outside, path.join(root, 'Work'));
};

describe.each([
  ['where /proc/self/fd names the open file (Linux)', false],
  ['checked by lstat and inode (no /proc/self/fd)', true],
])('a folder swapped for a symlink between the check and the open, %s', (_, withoutProc) => {
  let FolderMailSource: typeof import('./folder-mail-source.js').FolderMailSource;
  beforeEach(async () => {
    noProc.on = withoutProc;
    vi.resetModules(); // scan.ts decides once whether /proc/self/fd is there
    ({ FolderMailSource } = await import('./folder-mail-source.js'));
  });

  it('a re-read (fetchMany) reads it as gone, not the file outside', async () => {
    const src = new FolderMailSource({ root });
    for await (const _ of src.changes(null)); // resolves the root as a sync would
    swap.when = path.join('Work', 'a.eml');
    swap.act = swapWorkForSymlink;
    const [outcome] = await src.fetchMany(['Work/a.eml']);
    expect(swap.when).toBeNull(); // the swap happened between realpath and open
    expect(outcome).toBeNull();
    // Without the swap the same ref reads the message through the (now symlinked) folder: refused too.
    expect(await src.fetch('Work/a.eml')).toBeNull();
  });

  it('a scan reads it as vanished: no sighting and no error carry a byte from outside', async () => {
    const src = new FolderMailSource({ root });
    swap.when = path.join('Work', 'a.eml');
    swap.act = swapWorkForSymlink;
    const pages: MailPage[] = [];
    for await (const p of src.changes(null)) pages.push(p);
    expect(swap.when).toBeNull();
    expect(JSON.stringify(pages)).not.toContain(SECRET);
    expect(pages.flatMap((p) => p.sightings)).toEqual([]);
  });

  it('with nothing swapped, the same reads get the message (the check refuses only a detour)', async () => {
    const src = new FolderMailSource({ root });
    const pages: MailPage[] = [];
    for await (const p of src.changes(null)) pages.push(p);
    expect(pages.flatMap((p) => p.sightings.map((s) => s.item.messageId))).toEqual(['inside@acme.com']);
    const [again] = await src.fetchMany(['Work/a.eml']);
    expect((again as { messageId: string }).messageId).toBe('inside@acme.com');
  });
});
