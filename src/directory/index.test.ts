// The directory snapshot the rules read: end users by address, who is internal, what is blocklisted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeAddress } from './address.js';
import { DirectoryIndex } from './index.js';
import { ACME, ALICE, BEN, GLOBEX, addressBlock, directory, directoryInput, domainBlock, endUser } from '../../test/support/builders.js';

describe('DirectoryIndex', () => {
  const bobAcme = endUser(ACME.id, ' Bob@Acme.com ');
  const bobGlobex = endUser(GLOBEX.id, 'bob@acme.com', { source: 'crm:salesforce' });
  const carol = endUser(GLOBEX.id, 'carol@globex.com', { otherFields: ['c@globex.com'] });

  it('finds every end user with exactly this address, in every account, by normalized address', () => {
    const dir = directory({ endUsers: [bobAcme, bobGlobex, carol] });
    expect(dir.endUsersFor('bob@acme.com')).toEqual([bobAcme, bobGlobex]);
    expect(dir.endUsersFor('carol@globex.com')).toEqual([carol]);
    expect(dir.endUserCount).toBe(3);
  });

  it('keeps every end user of an address shared by many accounts, in input order', () => {
    const many = ['a1', 'a2', 'a3', 'a4'].map((acc) => endUser(acc, 'consultant@partner.io'));
    const dir = directory({ endUsers: [many[0]!, bobAcme, ...many.slice(1)] });
    expect(dir.endUsersFor('consultant@partner.io')).toEqual(many);
    expect(dir.endUsersFor('bob@acme.com')).toEqual([bobAcme]);
    expect(dir.endUsersFor('nobody@acme.com')).toEqual([]);
  });

  it('finds end users by addresses in any script, of any length, or empty, and only those', () => {
    const long = `${'x'.repeat(300)}@acme.com`;
    const odd = ['zoë@exämple.de', 'δ@παράδειγμα.gr', '用户@例子.中国', long, ''].map((a) => endUser(ACME.id, a));
    const dir = directory({ endUsers: [...odd, bobAcme] });
    for (const u of odd) expect(dir.endUsersFor(normalizeAddress(u.email))).toEqual([u]);
    for (const a of ['δ@παράδειγμα.g', `${long}x`, 'zoe@example.de']) expect(dir.endUsersFor(a)).toEqual([]);
    expect(dir.endUsersOrOne('bob@acme.com')).toBe(bobAcme);
  });

  it('tells the rules the account and the blocklist hit of an address without an end user object', () => {
    const dir = directory({ endUsers: [bobAcme, bobGlobex, carol], blocklist: [domainBlock('globex.com')] });
    const bob = dir.endUserSlot('bob@acme.com');
    expect(dir.slotAccount(bob)).toBe(-1); // two accounts: the end users say which
    expect(dir.slotUserIndexes(bob).map((i) => dir.endUserAt(i))).toEqual([bobAcme, bobGlobex]);
    expect(dir.slotAccounts(bob).map((n) => dir.accountIdOf(n))).toEqual([ACME.id, GLOBEX.id]);
    expect(dir.slotBlocked(bob)).toBe(false);
    const c = dir.endUserSlot('carol@globex.com');
    expect(dir.accountIdOf(dir.slotAccount(c))).toBe(GLOBEX.id);
    expect(dir.endUserAt(dir.slotUser(c))).toBe(carol);
    expect(dir.slotBlocked(c)).toBe(true);
    expect(dir.endUserBlockHit('carol@globex.com')).toEqual({ entry: 'globex.com', kind: 'domain' });
    expect(dir.endUserSlot('nobody@acme.com')).toBe(-1);
  });

  it('never finds an end user by plus-tag, dots, another domain or another field', () => {
    const dir = directory({ endUsers: [bobAcme, carol] });
    for (const a of ['bob+x@acme.com', 'b.ob@acme.com', 'bob@acme.io', 'c@globex.com']) expect(dir.endUsersFor(a)).toEqual([]);
  });

  it('finds the same end user whether its email field was entered composed (NFC) or decomposed (NFD)', () => {
    const dir = directory({ endUsers: [endUser(ACME.id, 'Jose\u0301@acme.com')] });
    expect(dir.endUsersFor('jos\u00e9@acme.com')).toHaveLength(1);
  });

  it('knows teammates by every alias', () => {
    const dir = directory();
    for (const a of [ALICE.email, ...ALICE.aliases]) expect(dir.teammateFor(a)?.id).toBe(ALICE.id);
    expect(dir.teammateFor(BEN.email)?.id).toBe(BEN.id);
    expect(dir.teammateFor('bob@acme.com')).toBeUndefined();
  });

  it('teammate aliases are matched after normalization', () => {
    const dir = directory({ teammates: [{ id: 't', email: ' Zed@OurCo.com ', aliases: ['ZED@Elsewhere.io'] }] });
    expect(dir.teammateFor('zed@ourco.com')?.id).toBe('t');
    expect(dir.teammateFor('zed@elsewhere.io')?.id).toBe('t');
  });

  it('internal = a teammate alias on any domain, or any address on an internal domain or its subdomains', () => {
    const dir = directory({ internalDomains: ['@OurCo.com'] });
    expect(dir.isInternal('alice@ourco-sales.io')).toBe(true); // alias on a non-internal domain
    expect(dir.isInternal('someone@ourco.com')).toBe(true);
    expect(dir.isInternal('someone@eu.ourco.com')).toBe(true);
    expect(dir.internalDomainOf('someone@eu.ourco.com')).toBe('ourco.com');
    expect(dir.isInternal('someone@notourco.com')).toBe(false);
    expect(dir.isInternal('someone@ourco.com.evil.io')).toBe(false);
    expect(dir.isInternal('bob@acme.com')).toBe(false);
  });

  it('an address without an "@" is not internal, whatever it ends with', () => {
    const dir = directory({ internalDomains: ['ourco.com'] });
    expect(dir.isInternal('someone.ourco.com')).toBe(false);
    expect(dir.isInternal('x.eu.ourco.com')).toBe(false);
    expect(dir.internalDomainOf('someone.ourco.com')).toBeUndefined();
    expect(dir.isInternal('someone@eu.ourco.com')).toBe(true);
    // An empty domain entry covers no address without a domain either.
    const empty = directory({ internalDomains: ['ourco.com', ''] });
    expect(empty.isInternal('someone.ourco.com')).toBe(false);
    expect(empty.isInternal('someone@')).toBe(false);
  });

  it('an internal domain covers its addresses in either spelling, Unicode or punycode', () => {
    for (const domain of ['Bücher.Example', 'xn--bcher-kva.example']) {
      const dir = directory({ internalDomains: [domain] });
      for (const raw of ['anna@bücher.example', 'Anna@XN--BCHER-KVA.example', 'anna@eu.bücher.example']) {
        expect(dir.isInternal(normalizeAddress(raw))).toBe(true);
      }
      expect(dir.internalDomainOf(normalizeAddress('anna@bücher.example'))).toBe('xn--bcher-kva.example');
      expect(dir.isInternal(normalizeAddress('anna@bucher.example'))).toBe(false);
    }
  });

  it('finds an end user and a blocklist entry in either spelling of an internationalised domain', () => {
    const unicode = endUser(ACME.id, 'Anna@Bücher.Example');
    const puny = endUser(GLOBEX.id, 'ben@xn--bcher-kva.example');
    const dir = directory({ endUsers: [unicode, puny], blocklist: [addressBlock('ben@bücher.example'), domainBlock('exämple.de')] });
    expect(dir.endUsersFor(normalizeAddress('anna@xn--bcher-kva.example'))).toEqual([unicode]);
    expect(dir.endUsersFor(normalizeAddress('BEN@bücher.example'))).toEqual([puny]);
    expect(dir.blockHit(normalizeAddress('ben@xn--bcher-kva.example'))).toEqual({ entry: 'ben@xn--bcher-kva.example', kind: 'address' });
    expect(dir.blockHit(normalizeAddress('zoë@xn--exmple-cua.de'))).toEqual({ entry: 'xn--exmple-cua.de', kind: 'domain' });
  });

  it('internal is decided as "a teammate, or covered by an internal domain" for any domains, teammates and address', () => {
    // isInternal compares tails and looks up only the teammates no internal domain covers: the
    // same answer as the plain definition, also for odd domains ("" covers all, one with "@").
    const part = fc.constantFrom('ourco.com', 'eu.ourco.com', 'ourco.com.evil.io', 'xourco.com', 'co.com', 'a@ourco.com', 'acme.com', '');
    const address = fc
      .tuple(fc.constantFrom('bob', 'a', 'a@b', ''), fc.constantFrom('@', '@@', '@x.', '.', ''), part)
      .map((xs) => xs.join(''));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 3 }), fc.array(address, { maxLength: 3 }), address, (domains, mates, a) => {
        const teammates = mates.map((email, i) => ({ id: `t${i}`, email, aliases: [] }));
        const dir = directory({ internalDomains: domains, teammates });
        expect(dir.isInternal(a)).toBe(dir.teammateFor(a) !== undefined || dir.internalDomainOf(a) !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('a blocklisted address hits only that address', () => {
    const dir = directory({ blocklist: [addressBlock('Bob@Acme.com')] });
    expect(dir.blockHit('bob@acme.com')).toEqual({ entry: 'bob@acme.com', kind: 'address' });
    expect(dir.blockHit('bob+x@acme.com')).toBeUndefined();
    expect(dir.blockHit('carol@acme.com')).toBeUndefined();
  });

  it('a blocklisted domain hits the domain and its subdomains, naming the entry, but not lookalikes', () => {
    const dir = directory({ blocklist: [domainBlock('Acme.com')] });
    expect(dir.blockHit('bob@acme.com')).toEqual({ entry: 'acme.com', kind: 'domain' });
    expect(dir.blockHit('bob@eu.mail.acme.com')).toEqual({ entry: 'acme.com', kind: 'domain' });
    expect(dir.blockHit('bob@notacme.com')).toBeUndefined();
    expect(dir.blockHit('bob@acme.com.au')).toBeUndefined();
  });

  it('an exact address entry wins over a domain entry in the explanation', () => {
    const dir = directory({ blocklist: [domainBlock('acme.com'), addressBlock('bob@acme.com')] });
    expect(dir.blockHit('bob@acme.com')).toEqual({ entry: 'bob@acme.com', kind: 'address' });
  });

  it('names accounts, falling back to the id', () => {
    const dir = directory();
    expect(dir.accountName(ACME.id)).toBe('Acme');
    expect(dir.accountName('acc-unknown')).toBe('acc-unknown');
    // By the account number a match carries, too.
    const named = directory({ endUsers: [endUser(GLOBEX.id, 'carol@globex.com'), endUser('acc-unknown', 'x@y.io')] });
    const numbered = (email: string) => named.slotAccount(named.endUserSlot(email));
    expect(named.accountNameOf(numbered('carol@globex.com'))).toBe('Globex');
    expect(named.accountNameOf(numbered('x@y.io'))).toBe('acc-unknown');
  });

  it('builds the near-miss index only when the troubleshooter asks, once', () => {
    const dir = new DirectoryIndex(directoryInput({ endUsers: [bobAcme] }));
    const h = dir.hints();
    expect(dir.hints()).toBe(h);
    expect(h.forParticipant('bob+x@acme.com').map((x) => x.kind)).toEqual(['plus_tag']);
  });
});
