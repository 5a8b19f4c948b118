// Address headers → Address[]. postal-mime's addressParser does the RFC 5322 parsing and
// RFC 2047 decoding; here we only flatten groups and throw away what is not an address,
// because a participant without a usable address can never match an end user (E3).
import { addressParser } from 'postal-mime';
import type { Header } from 'postal-mime';
import type { Address } from '../../domain/items.js';
import { stripComments } from './mail-date.js';

/** Every mailbox of every `key` header (From can legally list several, RFC 5322 §3.6.2). */
export function addressesOf(headers: Header[], key: 'from' | 'to' | 'cc' | 'bcc'): Address[] {
  const out: Address[] = [];
  for (const h of headers) {
    if (h.key !== key || !h.value.trim()) continue;
    let parsed: ReturnType<typeof addressParser>;
    try {
      // flatten: group syntax ("Team: a@x, b@y;") becomes its members; empty groups
      // ("undisclosed-recipients:;") become nothing.
      parsed = addressParser(h.value, { flatten: true });
    } catch {
      continue; // one unreadable header must not lose the rest of the message
    }
    for (const entry of parsed) {
      if (entry.group) continue; // flatten never leaves one, but the type allows it
      const address = cleanAddress(entry.address);
      if (!address) continue;
      const name = entry.name?.replace(/\s+/g, ' ').trim();
      out.push(name && name !== address ? { address, name } : { address });
    }
  }
  return out;
}

/**
 * Trims an addr-spec and drops comments inside it ("pete(his account)@silly.test" is
 * pete@silly.test, RFC 5322 §3.4.1 / appendix A.5). Returns null for things that are not
 * an address: empty leftovers of group syntax, a bare word, "Undisclosed-Recipient:@x;".
 */
export function cleanAddress(raw: string | undefined): string | null {
  if (!raw) return null;
  let a = raw.includes('(') ? stripComments(raw) : raw;
  a = a.replace(/\s+/g, '').trim();
  const at = a.lastIndexOf('@');
  if (at <= 0 || at === a.length - 1) return null;
  const local = a.slice(0, at);
  const domain = a.slice(at + 1);
  // A quoted local part may hold anything; an unquoted one may not hold these.
  if (!local.startsWith('"') && /[<>;:,[\]]/.test(local)) return null;
  const isLiteral = /^\[[^\]]*\]$/.test(domain); // domain literal, e.g. [192.0.2.1]
  if (!isLiteral && /[<>;:,"[\]]/.test(domain)) return null;
  return a;
}
