// Where a folder connection made through the API may read: only inside its workspace's own
// folder, <TOUCHPOINT_FOLDER_ROOT>/<workspace-slug>/, never elsewhere on the server (another
// workspace's mail, /etc, /proc). Paths are resolved with realpath, so neither `..` nor a
// symlink leads out; the scanner checks again at every sync (src/providers/folder/scan.ts),
// so a symlink swapped in later leads nowhere either. Every refusal — outside, missing, not
// a folder — reads the same, so the answer tells nothing about the server's filesystem.
// (The operator's CLI keeps full paths: it runs with the operator's own rights anyway.)
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../providers/folder/scan.js';
import { AppError } from './errors.js';

const NO_ROOT =
  'folder connections through the API are off on this server: an operator must set TOUCHPOINT_FOLDER_ROOT (each workspace then reads from <root>/<workspace-slug>/)';

/** A workspace slug that is one plain path segment (never "..", never a separator). */
const SAFE_SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const refusal = (field: string, slug: string): AppError => {
  const message = `refused by policy: give an existing folder inside this workspace's folder (${slug}/ under TOUCHPOINT_FOLDER_ROOT on the server), as a path relative to it`;
  return new AppError('refused_by_policy', `${field}: ${message}`, [{ field, message }]);
};

/** The real path of the workspace's folder; refused when the operator set no root or made no folder for it. */
export async function workspaceFolder(root: string | undefined, slug: string, field: string): Promise<string> {
  if (!root) throw new AppError('refused_by_policy', `${field}: ${NO_ROOT}`, [{ field, message: NO_ROOT }]);
  if (!SAFE_SLUG.test(slug)) throw refusal(field, slug);
  const real = await realpath(path.join(root, slug)).catch(() => null);
  if (!real || !(await stat(real)).isDirectory()) throw refusal(field, slug);
  return real;
}

/**
 * The real path of the folder `given` (relative to the workspace's folder, or absolute) when
 * it is an existing directory inside `within`; the same refusal otherwise.
 */
export async function confinedFolder(within: string, given: string, field: string, slug: string): Promise<string> {
  const real = await realpath(path.resolve(within, given)).catch(() => null);
  if (!real || !isInside(within, real)) throw refusal(field, slug);
  const st = await stat(real).catch(() => null);
  if (!st?.isDirectory()) throw refusal(field, slug);
  return real;
}
