// Address equality, as the article says: "End User … with the same email".
// The whole address, case-insensitive, after trimming and Unicode normalisation (NFC).
// No plus-tag or dot folding — those are only ever near-miss hints (see hints.ts).
// An internationalised domain is one domain however it is written: Unicode (bücher.example,
// SMTPUTF8 mail, a CSV, an ICS attendee) or its IDNA ASCII form (xn--bcher-kva.example, what
// mail on the wire carries); the ASCII form is canonical (docs/decisions.md, 2026-12-07).
import { domainToASCII, domainToUnicode } from 'node:url';
import { addressHash } from './address-table.js';

/** Canonical form used for every comparison and index key. */
export function normalizeAddress(raw: string): string {
  // Fast path for the sync's hot path (same result as below, without ICU normalisation or
  // new strings): printable ASCII with no space, not "<…>", not "mailto:" is already
  // canonical except for upper case.
  const n = raw.length;
  const c0 = raw.charCodeAt(0);
  if (n > 0 && c0 !== 60 /* < */ && !(((c0 | 32) === 109 /* m */ && raw.charCodeAt(6) === 58) /* : */)) {
    let upper = false;
    let i = 0;
    for (; i < n; i++) {
      const c = raw.charCodeAt(i);
      if (c <= 32 || c >= 127) break;
      if (c >= 65 && c <= 90) upper = true;
    }
    if (i === n) return upper ? raw.toLowerCase() : raw;
  }
  // Any ASCII string (padded, "<…>", "mailto:") is already in NFC, before and after
  // lower-casing: the same steps without ICU.
  const ascii = isAscii(raw);
  let s = ascii ? raw.trim() : raw.normalize('NFC').trim();
  // Tolerate what clients wrap addresses in: "<a@b>", "mailto:a@b" (ICS), trailing dots.
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  if (/^mailto:/i.test(s)) s = s.slice(7).trim();
  // NFC again after lower-casing: lower-casing can leave a decomposed sequence that has a
  // precomposed form ("J\u030C" → "j\u030C", NFC "\u01F0"), which would break equality and idempotence.
  return ascii ? s.toLowerCase() : withAsciiDomain(s.toLowerCase().normalize('NFC'));
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

/**
 * The domain's IDNA ASCII form (UTS #46, as URLs): "bücher.example" → "xn--bcher-kva.example".
 * Unchanged when the domain is ASCII already, holds a "%" (the URL parser would decode it), or
 * is not a valid IDN (domainToASCII answers ""): such an address keeps its Unicode spelling.
 */
function asciiDomain(domain: string): string {
  if (isAscii(domain) || domain.includes('%')) return domain;
  const a = domainToASCII(domain);
  return a === '' ? domain : a;
}

/** A normalised (NFC, lower-case) address with its domain in ASCII form; the local part as it is. */
function withAsciiDomain(s: string): string {
  const at = s.lastIndexOf('@');
  if (at < 0) return s;
  const domain = s.slice(at + 1);
  const a = asciiDomain(domain);
  return a === domain ? s : s.slice(0, at + 1) + a;
}

/**
 * The address as normalizeAddress wrote it before domains were canonicalised to ASCII
 * (2026-12-07), when that differs: "anna@xn--bcher-kva.example" → "anna@bücher.example". Keyed
 * hashes stored from a Unicode spelling (not-linked mail, tombstones) are found by this form's
 * hash. Undefined for an address without an "xn--" label (nearly all: no work done).
 */
export function unicodeSpelling(normalized: string): string | undefined {
  if (!normalized.includes('@')) return undefined;
  return withUnicodeDomain(normalized)?.toLowerCase().normalize('NFC');
}

/** The address (or bare domain) with its domain's "xn--" labels in Unicode; undefined when it has none, or they are not valid punycode. */
function withUnicodeDomain(s: string): string | undefined {
  const at = s.lastIndexOf('@');
  const domain = s.slice(at + 1);
  if (!domain.startsWith('xn--') && !domain.includes('.xn--')) return undefined;
  const u = domainToUnicode(domain);
  return u === '' || u === domain ? undefined : s.slice(0, at + 1) + u;
}

/**
 * How a normalised address (or a domain: a blocklist entry) is shown to people: its domain's
 * "xn--" labels in Unicode ("anna@xn--bcher-kva.example" → "anna@bücher.example"), as they
 * typed and read it. Only for text (remedies, details, hints): stored keys, hashes and machine
 * fields keep the ASCII form normalizeAddress made. Unchanged when there is no "xn--" label
 * (nearly always: one substring test) or the label is not valid punycode.
 */
export function displayAddress(normalized: string): string {
  if (!normalized.includes('xn--')) return normalized;
  return withUnicodeDomain(normalized) ?? normalized;
}

/**
 * The IDNA ASCII form of a search fragment without an "@" that has a non-ASCII character
 * ("bücher" → "xn--bcher-kva"), so that it finds the ASCII keys normalizeAddress stores;
 * undefined when there is none to try. (With an "@", normalizeAddress already converted the
 * part after it.) Punycode encodes a label as a whole, so only whole labels match: "büch" is
 * "xn--bch-hoa", which no part of "xn--bcher-kva" contains.
 */
export function asciiFragment(fragment: string): string | undefined {
  if (isAscii(fragment) || fragment.includes('@') || fragment.includes('%')) return undefined;
  const a = domainToASCII(fragment);
  return a === '' || a === fragment ? undefined : a;
}

/**
 * normalizeAddress, with the result's addressHash (address-table.ts) written to hash[0]. On
 * normalizeAddress's ASCII fast path both come from one pass over the characters (the hash of
 * the lower-cased characters); a participant is hashed here instead of in a second loop.
 */
export function normalizeAndHash(raw: string, hash: Int32Array): string {
  const n = raw.length;
  const c0 = raw.charCodeAt(0);
  if (n > 0 && c0 !== 60 /* < */ && !(((c0 | 32) === 109 /* m */ && raw.charCodeAt(6) === 58) /* : */)) {
    let upper = false;
    let h = 0x811c9dc5;
    let i = 0;
    for (; i < n; i++) {
      let c = raw.charCodeAt(i);
      if (c <= 32 || c >= 127) break;
      if (c >= 65 && c <= 90) {
        upper = true;
        c += 32;
      }
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (i === n) {
      hash[0] = h;
      return upper ? raw.toLowerCase() : raw;
    }
  }
  const s = normalizeAddress(raw);
  hash[0] = addressHash(s);
  return s;
}

const ADDRESS_RE = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/u;

/** A syntactic sanity check for user input (CLI, CSV, API), not full RFC 5322. */
export function isValidAddress(raw: string): boolean {
  const s = normalizeAddress(raw);
  return s.length <= 320 && ADDRESS_RE.test(s);
}

export function domainOf(normalized: string): string {
  const at = normalized.lastIndexOf('@');
  return at < 0 ? '' : normalized.slice(at + 1);
}

export function localPartOf(normalized: string): string {
  const at = normalized.lastIndexOf('@');
  return at < 0 ? normalized : normalized.slice(0, at);
}

/** Normalize a domain entry: lowercase, no leading "@" or ".", NFC, an IDN in its ASCII form (as normalizeAddress). */
export function normalizeDomain(raw: string): string {
  return asciiDomain(
    raw
      .normalize('NFC')
      .trim()
      .toLowerCase()
      .normalize('NFC')
      .replace(/^[@.]+/, '')
      .replace(/\.+$/, ''),
  );
}

const DOMAIN_RE = /^(?=.{1,253}$)([\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}\p{N}-]{2,}$/u;

export function isValidDomain(raw: string): boolean {
  return DOMAIN_RE.test(normalizeDomain(raw));
}

/** True when `domain` is `parent` or one of its subdomains (a domain covers its subdomains). */
export function domainCovers(parent: string, domain: string): boolean {
  return domain === parent || domain.endsWith(`.${parent}`);
}

/** The domain and each parent domain: a.b.acme.com → [a.b.acme.com, b.acme.com, acme.com, com]. */
export function domainAndParents(domain: string): string[] {
  const out: string[] = [];
  let d = domain;
  for (;;) {
    out.push(d);
    const dot = d.indexOf('.');
    if (dot < 0) return out;
    d = d.slice(dot + 1);
  }
}
