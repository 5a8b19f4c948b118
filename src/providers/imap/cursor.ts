// The IMAP cursor: one object for the whole mailbox, one entry per folder.
//
// Per folder {uidValidity, highestUid, highestModseq} (RFC 3501 §2.3.1.1, RFC 7162 §3.1):
// - highestUid: every message of this folder with a UID ≤ highestUid that the scan window
//   covers has been stored. New mail always gets a higher UID, so "UID highestUid+1:*"
//   finds everything new. It only advances with the page that stored those UIDs.
// - highestModseq: the folder's HIGHESTMODSEQ when it was last fully caught up (CONDSTORE),
//   used to skip an unchanged folder cheaply; never used to decide which UIDs to fetch —
//   a modseq that runs ahead of unfetched UIDs is how mail gets lost for good.
// - uidValidity: when the server changes it, every UID above is void: re-scan the folder.
// BigInts (UIDVALIDITY and MODSEQ are up to 2^63) are stored as decimal strings in JSON.

export interface FolderCursor {
  uidValidity: string;
  highestUid: number;
  highestModseq: string | null;
}

export interface ImapCursor {
  v: 1;
  folders: Record<string, FolderCursor>;
}

export function emptyCursor(): ImapCursor {
  return { v: 1, folders: {} };
}

/** A stored cursor, or a fresh one when there is none or it is not ours (re-scan is safe). */
export function readCursor(raw: unknown): ImapCursor {
  if (!raw || typeof raw !== 'object') return emptyCursor();
  const c = raw as Partial<ImapCursor>;
  if (c.v !== 1 || !c.folders || typeof c.folders !== 'object') return emptyCursor();
  const folders: Record<string, FolderCursor> = {};
  for (const [path, f] of Object.entries(c.folders)) {
    if (f && typeof f.uidValidity === 'string' && Number.isInteger(f.highestUid)) {
      folders[path] = {
        uidValidity: f.uidValidity,
        highestUid: f.highestUid,
        highestModseq: typeof f.highestModseq === 'string' ? f.highestModseq : null,
      };
    }
  }
  return { v: 1, folders };
}

/** A copy with one folder's entry replaced: each page hands the sync loop a whole cursor. */
export function withFolder(c: ImapCursor, path: string, f: FolderCursor): ImapCursor {
  return { v: 1, folders: { ...c.folders, [path]: { ...f } } };
}
