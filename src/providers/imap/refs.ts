// A sighting's ref says how to find the message again (re-decision, body download).
//
// Ordinary servers: the RFC 5092 IMAP URL path form "<mailbox>;UIDVALIDITY=<v>/;UID=<uid>",
// the mailbox percent-encoded. A UID means nothing without its UIDVALIDITY (RFC 3501
// §2.3.1.1), so the ref carries both and a re-read after a UIDVALIDITY change finds nothing
// rather than the wrong message.
// Gmail: "gm:<X-GM-MSGID>", the same message whatever label (folder) it was seen under.

export type ImapRef = { kind: 'uid'; path: string; uidValidity: string; uid: number } | { kind: 'gmail'; msgId: string };

export function uidRef(path: string, uidValidity: string, uid: number): string {
  return `${encodeURIComponent(path)};UIDVALIDITY=${uidValidity}/;UID=${uid}`;
}

export function gmailRef(msgId: string): string {
  return `gm:${msgId}`;
}

export function parseRef(ref: string): ImapRef | null {
  if (ref.startsWith('gm:')) return /^\d+$/.test(ref.slice(3)) ? { kind: 'gmail', msgId: ref.slice(3) } : null;
  const m = /^([^;]*);UIDVALIDITY=(\d+)\/;UID=(\d+)$/.exec(ref);
  if (!m) return null;
  try {
    return { kind: 'uid', path: decodeURIComponent(m[1]!), uidValidity: m[2]!, uid: Number(m[3]) };
  } catch {
    return null;
  }
}

/** "1,2,3,7,9,10" → "1:3,7,9:10": short UID sets for FETCH (RFC 3501 §9 sequence-set). */
export function uidSet(uids: number[]): string {
  const sorted = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j++;
    parts.push(sorted[i] === sorted[j] ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
