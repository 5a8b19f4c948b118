// Phase 1 of an IMAP sync, per folder: what it has for this sync, from one EXAMINE and the
// UIDs in the scan window, against the folder's cursor.
import type { FolderCursor } from './cursor.js';
import type { FolderStatus } from './session.js';

/** What phase 1 found in one folder. */
export interface FolderWork {
  path: string;
  uidValidity: string;
  uidNext: number;
  highestModseq: string | null;
  uids: number[];
  prev: FolderCursor | undefined;
}

/**
 * What a folder has for this sync, from one EXAMINE and the UIDs in the scan window: nothing
 * (null) when neither UIDNEXT nor, with CONDSTORE, HIGHESTMODSEQ moved since the cursor; else
 * the UIDs above it (a changed MODSEQ alone gives none, and the cursor still moves).
 */
export function survey(path: string, mb: FolderStatus, inWindow: number[], prev: FolderCursor | undefined): FolderWork | null {
  if (prev) {
    const sameModseq = mb.highestModseq === null || mb.highestModseq === prev.highestModseq;
    if (mb.uidValidity === prev.uidValidity && mb.uidNext - 1 <= prev.highestUid && sameModseq) return null;
  }
  // A new UIDVALIDITY voids every UID we knew (RFC 3501 §2.3.1.1): re-scan the window.
  // Messages seen before dedupe by Message-ID in the store, so nothing is doubled.
  const after = prev && prev.uidValidity === mb.uidValidity ? prev.highestUid : 0;
  const uids = inWindow.filter((u) => u > after).sort((a, b) => a - b);
  return { path, uidValidity: mb.uidValidity, uidNext: mb.uidNext, highestModseq: mb.highestModseq, uids, prev };
}
