// Address equality: "End User … with the same email" — whole address, case-insensitive,
// trimmed, Unicode-normalised; never plus-tag or dot folding.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { domainToASCII } from 'node:url';
import {
  asciiFragment,
  displayAddress,
  domainAndParents,
  domainCovers,
  domainOf,
  isValidAddress,
  isValidDomain,
  localPartOf,
  normalizeAddress,
  normalizeAndHash,
  normalizeDomain,
  unicodeSpelling,
} from './address.js';
import { addressHash } from './address-table.js';

describe('normalizeAddress', () => {
  it.each([
    ['Bob@Acme.COM', 'bob@acme.com'],
    ['  bob@acme.com\t\n', 'bob@acme.com'],
    ['\u00a0bob@acme.com\u00a0', 'bob@acme.com'],
    ['<bob@acme.com>', 'bob@acme.com'],
    ['< Bob@Acme.com >', 'bob@acme.com'],
    ['mailto:bob@acme.com', 'bob@acme.com'],
    ['MAILTO:Bob@Acme.com', 'bob@acme.com'],
    ['jose\u0301@acme.com', 'jos\u00e9@acme.com'],
    ['JOSE\u0301@ACME.COM', 'jos\u00e9@acme.com'],
    ['J\u030Cane@acme.com', '\u01F0ane@acme.com'],
  ])('%j is the same address as %j', (raw, canonical) => {
    expect(normalizeAddress(raw)).toBe(canonical);
  });

  it.each([
    ['bob+tag@acme.com', 'bob@acme.com'],
    ['b.ob@acme.com', 'bob@acme.com'],
    ['bob@acme.co.uk', 'bob@acme.com'],
    ['bob@mail.acme.com', 'bob@acme.com'],
  ])('never folds plus-tags, dots or domains: %j is not %j', (a, b) => {
    expect(normalizeAddress(a)).not.toBe(normalizeAddress(b));
  });

  it('normalizing twice changes nothing (index keys are stable)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 30 }), (s) => {
        const once = normalizeAddress(s);
        expect(normalizeAddress(once)).toBe(once);
      }),
      // Letters whose capital has no precomposed form: lower-casing leaves a decomposed sequence.
      { numRuns: 2000, examples: [['J\u030C'], ['W\u030A'], ['\u0399\u0308\u0301'], [' <MAILTO:J\u030C@X.COM> ']] },
    );
  });

  it('returns NFC, lower-case text for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 30 }), (s) => {
        const n = normalizeAddress(s);
        expect(n.normalize('NFC')).toBe(n);
        expect(n.toLowerCase()).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('normalizeAddress fast path (plain ASCII) gives exactly the full normalisation', () => {
  // The full normalisation, as specified: NFC, trim, unwrap <…> and mailto:, lower case, NFC,
  // then a non-ASCII domain (after the last "@") in its IDNA ASCII form when it has one.
  const reference = (raw: string): string => {
    let s = raw.normalize('NFC').trim();
    if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
    if (/^mailto:/i.test(s)) s = s.slice(7).trim();
    s = s.toLowerCase().normalize('NFC');
    const at = s.lastIndexOf('@');
    const domain = s.slice(at + 1);
    if (at < 0 || [...domain].every((c) => c.charCodeAt(0) < 128) || domain.includes('%')) return s;
    return s.slice(0, at + 1) + (domainToASCII(domain) || domain);
  };
  const asciiish = fc.string({
    unit: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...'abcxyzABCXYZ019.+-_@'.split('')) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(' ', '\t', '\n', '<', '>', ':', 'm', 'M', 'mailto:', 'MAILTO:', '\u00a0', '\u007f', '\u0000'),
      },
      { weight: 1, arbitrary: fc.constantFrom('\u00e9', 'e\u0301', '\u01F0', 'J\u030C', '\u212B', '\uFEFF') },
    ),
    maxLength: 24,
  });

  it.each([
    'bob@acme.com',
    'Bob@Acme.com',
    'mike@acme.com',
    'mailto:x@y.io',
    'MAILTO:X@Y.IO',
    'mailtoo@x.io',
    'm@x.io',
    '<a@b.c>',
    'a@b.c ',
    '',
    '@',
    'A',
  ])('%j', (raw) => expect(normalizeAddress(raw)).toBe(reference(raw)));

  it('for any string', () => {
    fc.assert(
      fc.property(asciiish, (raw) => {
        expect(normalizeAddress(raw)).toBe(reference(raw));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 20 }), (raw) => {
        expect(normalizeAddress(raw)).toBe(reference(raw));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('internationalised domains: the Unicode and the ASCII (punycode) spelling are one address', () => {
  it.each([
    ['Anna@Bücher.Example', 'anna@xn--bcher-kva.example'],
    ['anna@bücher.example', 'anna@xn--bcher-kva.example'],
    ['<ANNA@BÜCHER.EXAMPLE>', 'anna@xn--bcher-kva.example'],
    ['mailto:anna@bu\u0308cher.example', 'anna@xn--bcher-kva.example'],
    ['zoë@exämple.de', 'zoë@xn--exmple-cua.de'],
    ['用户@例子.中国', '用户@xn--fsqu00a.xn--fiqs8s'],
    ['δ@παράδειγμα.gr', 'δ@xn--hxajbheg2az3al.gr'],
    ['max@straße.de', 'max@xn--strae-oqa.de'],
  ])('%j is %j (the domain in ASCII form, the local part as it is)', (raw, canonical) => {
    expect(normalizeAddress(raw)).toBe(canonical);
    expect(normalizeAddress(canonical)).toBe(canonical);
  });

  it('a Unicode spelling and its punycode spelling normalise to the same address', () => {
    expect(normalizeAddress('Anna@Bücher.Example')).toBe(normalizeAddress('anna@xn--bcher-kva.example'));
    expect(normalizeAddress('Anna@Bücher.Example')).toBe(normalizeAddress('ANNA@XN--BCHER-KVA.EXAMPLE'));
  });

  it('an address whose domain is not a valid IDN keeps the normalised Unicode spelling (never lost, never thrown)', () => {
    for (const [raw, kept] of [
      ['Anna@Bü Cher.example', 'anna@bü cher.example'],
      ['anna@ü.123', 'anna@ü.123'],
      ['anna@bü%41.com', 'anna@bü%41.com'],
      ['anna@bü<.com', 'anna@bü<.com'],
      ['anna@', 'anna@'],
      ['ünicode-without-at', 'ünicode-without-at'],
    ]) {
      expect(normalizeAddress(raw!)).toBe(kept);
      expect(normalizeAddress(kept!)).toBe(kept);
    }
  });

  it('leaves every ASCII address exactly as before (punycode spellings included)', () => {
    const old = (raw: string) => {
      let s = raw.trim();
      if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
      if (/^mailto:/i.test(s)) s = s.slice(7).trim();
      return s.toLowerCase();
    };
    const ascii = fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 30 });
    fc.assert(
      fc.property(fc.oneof(ascii, fc.constantFrom('xn--bcher-kva.example', 'XN--ZZ.com', 'a@xn--.x')), (s) => {
        expect(normalizeAddress(s)).toBe(old(s));
      }),
      { numRuns: 3000, examples: [['Anna@XN--BCHER-KVA.EXAMPLE'], ['a@xn--zz.com'], [' <MAILTO:A@B.C> ']] },
    );
  });

  it('is idempotent for addresses on internationalised domains', () => {
    const label = fc.string({ unit: fc.constantFrom(...'aübçßδ用-ÜXn'.split('')), minLength: 1, maxLength: 8 });
    const address = fc
      .tuple(fc.string({ unit: 'grapheme-composite', maxLength: 8 }), fc.array(label, { minLength: 1, maxLength: 3 }))
      .map(([local, labels]) => `${local}@${labels.join('.')}`);
    fc.assert(
      fc.property(fc.oneof(address, fc.string({ unit: 'grapheme-composite', maxLength: 30 })), (s) => {
        const once = normalizeAddress(s);
        expect(normalizeAddress(once)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the Unicode spelling an ASCII-domain address was normalised to before (the legacy hashes)', () => {
    expect(unicodeSpelling('anna@xn--bcher-kva.example')).toBe('anna@bücher.example');
    expect(unicodeSpelling('anna@mail.xn--bcher-kva.example')).toBe('anna@mail.bücher.example');
    expect(unicodeSpelling(normalizeAddress('Anna@Bücher.Example'))).toBe('anna@bücher.example');
    expect(unicodeSpelling('anna@acme.com')).toBeUndefined();
    expect(unicodeSpelling('anna@xn--zz.com')).toBeUndefined(); // not valid punycode
    expect(unicodeSpelling('no-at-sign')).toBeUndefined();
  });

  it('shows a normalised address or domain with its IDN domain in Unicode, and anything else unchanged', () => {
    expect(displayAddress(normalizeAddress('Anna@Bücher.Example'))).toBe('anna@bücher.example');
    expect(displayAddress('anna@mail.xn--bcher-kva.example')).toBe('anna@mail.bücher.example');
    expect(displayAddress('xn--bcher-kva.example')).toBe('bücher.example'); // a blocklist entry or internal domain
    expect(displayAddress('anna@acme.com')).toBe('anna@acme.com');
    expect(displayAddress('xn--anna@acme.com')).toBe('xn--anna@acme.com'); // "xn--" in the local part only
    expect(displayAddress('anna@xn--zz.com')).toBe('anna@xn--zz.com'); // not valid punycode
    expect(displayAddress('anna@bücher.example')).toBe('anna@bücher.example');
    expect(displayAddress('')).toBe('');
  });

  it('shows an address the way normalizeAddress reads it back', () => {
    const label = fc.string({ unit: fc.constantFrom(...'aübçδ用-x'.split('')), minLength: 1, maxLength: 8 });
    const address = fc
      .tuple(fc.stringMatching(/^[a-z.]{1,6}$/), fc.array(label, { minLength: 1, maxLength: 3 }))
      .map(([l, ds]) => `${l}@${ds.join('.')}`);
    fc.assert(
      fc.property(address, (raw) => {
        const n = normalizeAddress(raw);
        expect(normalizeAddress(displayAddress(n))).toBe(n);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives a search fragment without an "@" its ASCII form when it has a non-ASCII character', () => {
    expect(asciiFragment('bücher')).toBe('xn--bcher-kva');
    expect(asciiFragment('bücher.example')).toBe('xn--bcher-kva.example');
    expect(asciiFragment('mail.bücher.ex')).toBe('mail.xn--bcher-kva.ex');
    // Punycode encodes a whole label: a part of one cannot be found in the stored form.
    expect(asciiFragment('büch')).toBe('xn--bch-hoa');
    expect('xn--bcher-kva').not.toContain(asciiFragment('büch'));
    expect(asciiFragment('acme')).toBeUndefined(); // ASCII: nothing else to try
    expect(asciiFragment('anna@bücher')).toBeUndefined(); // normalizeAddress converted it already
    expect(asciiFragment('anna bücher')).toBeUndefined(); // not a domain
    expect(asciiFragment('bü%63her')).toBeUndefined(); // the URL parser would decode the "%"
  });

  it('normalises a domain entry the same way (internal domains, blocklist)', () => {
    expect(normalizeDomain('@Bücher.Example.')).toBe('xn--bcher-kva.example');
    expect(normalizeDomain('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(normalizeDomain('bü cher.example')).toBe('bü cher.example');
    expect(isValidDomain('bücher.example')).toBe(true);
    expect(isValidDomain('xn--bcher-kva.example')).toBe(true);
    expect(isValidAddress('anna@bücher.example')).toBe(true);
  });
});

describe('domains', () => {
  it.each([
    ['@Acme.com', 'acme.com'],
    ['.acme.com', 'acme.com'],
    ['ACME.COM.', 'acme.com'],
    [' acme.com ', 'acme.com'],
  ])('a domain entry %j is normalized to %j', (raw, d) => {
    expect(normalizeDomain(raw)).toBe(d);
  });

  it('a domain covers itself and its subdomains, but not lookalikes or its parent', () => {
    expect(domainCovers('acme.com', 'acme.com')).toBe(true);
    expect(domainCovers('acme.com', 'eu.acme.com')).toBe(true);
    expect(domainCovers('acme.com', 'a.b.acme.com')).toBe(true);
    expect(domainCovers('acme.com', 'notacme.com')).toBe(false);
    expect(domainCovers('acme.com', 'acme.com.evil.io')).toBe(false);
    expect(domainCovers('eu.acme.com', 'acme.com')).toBe(false);
  });

  it('lists a domain and each parent, most specific first', () => {
    expect(domainAndParents('a.b.acme.com')).toEqual(['a.b.acme.com', 'b.acme.com', 'acme.com', 'com']);
    expect(domainAndParents('localhost')).toEqual(['localhost']);
  });

  it('splits an address at its last "@"', () => {
    expect(domainOf('"a@b"@acme.com')).toBe('acme.com');
    expect(localPartOf('"a@b"@acme.com')).toBe('"a@b"');
    expect(domainOf('no-at-sign')).toBe('');
    expect(localPartOf('no-at-sign')).toBe('no-at-sign');
  });

  it('validates domains and addresses typed by users', () => {
    expect(isValidDomain('acme.com')).toBe(true);
    expect(isValidDomain('@Acme.co.uk')).toBe(true);
    expect(isValidDomain('münchen.de')).toBe(true);
    expect(isValidDomain('acme')).toBe(false);
    expect(isValidDomain('-acme.com')).toBe(false);
    expect(isValidAddress(' Bob@Acme.com ')).toBe(true);
    expect(isValidAddress('<bob@acme.com>')).toBe(true);
    expect(isValidAddress('bob@acme')).toBe(false);
    expect(isValidAddress('bob smith@acme.com')).toBe(false);
    expect(isValidAddress('bob@@acme.com')).toBe(false);
    expect(isValidAddress(`${'a'.repeat(320)}@acme.com`)).toBe(false);
  });
});

describe('normalizeAndHash', () => {
  it('gives normalizeAddress and the addressHash of its result, for any input', () => {
    const out = new Int32Array(1);
    const ascii = fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 30 });
    fc.assert(
      fc.property(fc.oneof(ascii, fc.string({ unit: 'grapheme-composite', maxLength: 30 })), (s) => {
        const n = normalizeAndHash(s, out);
        expect(n).toBe(normalizeAddress(s));
        expect(out[0]).toBe(addressHash(n));
      }),
      { numRuns: 3000, examples: [['Bob@Acme.COM'], [''], [' <MAILTO:J\u030C@X.COM> '], ['mailto:A@B.C'], ['ZZ@AA.io']] },
    );
  });
});
