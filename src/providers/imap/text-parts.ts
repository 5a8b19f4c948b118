// Bodies of linked mail from their text parts only: the page's FETCH brought each message's
// BODYSTRUCTURE, so a linked message needs BODY.PEEK[n.MIME] + BODY.PEEK[n] of its text/plain
// and text/html parts, not the whole message with its attachments, and postal-mime parses a
// skeleton of them instead of the whole source (formats/mime/text-parts.ts keeps the result
// equal to the whole parse; test/integration/imap-text-parts.test.ts checks it on Dovecot).
import type { FetchMessageObject, MessageStructureObject } from 'imapflow';
import type { EmailItem } from '../../domain/items.js';
import { bodyFromTextParts, textPartNumbers, type TextParts } from '../../formats/mime/text-parts.js';
import { uidRef } from './refs.js';
import type { ImapSession } from './session.js';

/** A message of the page being stored: where it is, its structure and its sighting. */
export interface PagedMessage {
  path: string;
  uidValidity: string;
  uid: number;
  structure: MessageStructureObject;
  item: EmailItem;
}

/**
 * The sighting's item with the body, by ref, for the messages that can be read by parts (one
 * UID FETCH per folder and set of part numbers); null where the message is gone. Messages left
 * out need the whole source.
 */
export async function readTextParts(s: ImapSession, msgs: PagedMessage[]): Promise<Map<string, EmailItem | null>> {
  const out = new Map<string, EmailItem | null>();
  const groups = new Map<string, { path: string; uidValidity: string; parts: string[]; msgs: PagedMessage[] }>();
  for (const m of msgs) {
    const parts = textPartNumbers(m.structure);
    if (!parts) continue;
    const key = JSON.stringify([m.path, m.uidValidity, parts]);
    const g = groups.get(key) ?? { path: m.path, uidValidity: m.uidValidity, parts, msgs: [] };
    g.msgs.push(m);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    const refs = g.msgs.map((m) => uidRef(m.path, m.uidValidity, m.uid));
    if (g.parts.length === 0) {
      // No text at all (an attachment alone): what the whole parse gives, without a fetch.
      for (const [i, m] of g.msgs.entries()) out.set(refs[i]!, { ...m.item });
      continue;
    }
    const mb = await s.examine(g.path);
    if (mb.uidValidity !== g.uidValidity) {
      for (const ref of refs) out.set(ref, null);
      continue;
    }
    const fetched = new Map(
      (
        await s.fetchTextParts(
          g.msgs.map((m) => m.uid),
          g.parts,
        )
      ).map((f) => [f.uid, f]),
    );
    for (const [i, m] of g.msgs.entries()) {
      const f = fetched.get(m.uid);
      const parts = f ? partsOf(f, g.parts) : null;
      if (!f) out.set(refs[i]!, null);
      else if (parts) out.set(refs[i]!, await withBody(m, parts));
      // a part the server did not send: left out, so it is read whole
    }
  }
  return out;
}

function partsOf(f: FetchMessageObject, numbers: string[]): TextParts | null {
  const parts: TextParts = new Map();
  for (const n of numbers) {
    const header = n === '' ? f.headers : f.bodyParts?.get(`${n}.mime`);
    const body = f.bodyParts?.get(n === '' ? 'text' : n);
    if (!header || !body) return null;
    parts.set(n, { header, body });
  }
  return parts;
}

/** As sourceToItem would give it for the sync: the body, or null when it cannot be read. */
async function withBody(m: PagedMessage, parts: TextParts): Promise<EmailItem | null> {
  try {
    return { ...m.item, ...(await bodyFromTextParts(m.structure, parts)) };
  } catch {
    return null;
  }
}
