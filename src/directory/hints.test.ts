// Near misses (rule E3, end-user match): shown in the troubleshooter as hints, never as matches.
import { describe, expect, it } from 'vitest';
import { HintIndex, companyLabel } from './hints.js';
import { ACME, GLOBEX, endUser } from '../../test/support/builders.js';

describe('companyLabel', () => {
  it.each([
    ['acme.com', 'acme'],
    ['acme.co.uk', 'acme'],
    ['mail.acme.io', 'acme'],
    ['eu.mail.acme.com.au', 'acme'],
    ['localhost', 'localhost'],
  ])('%s belongs to company %s', (domain, label) => {
    expect(companyLabel(domain)).toBe(label);
  });
});

describe('HintIndex', () => {
  const bob = endUser(ACME.id, 'Bob.Smith@Acme.com');
  const tagged = endUser(ACME.id, 'ops+crm@acme.com');
  const carol = endUser(GLOBEX.id, 'carol@globex.com', { otherFields: ['carol.personal@gmail.com'] });
  const named = endUser(GLOBEX.id, 'dan@globex.com', { name: 'Dan@Globex.io' });
  const idx = new HintIndex([bob, tagged, carol, named]);
  const kinds = (p: string) => idx.forParticipant(p).map((h) => [h.kind, h.endUserEmail, h.accountId]);

  it('a plus-tag on the participant is a near miss', () => {
    expect(kinds('bob.smith+news@acme.com')).toEqual([['plus_tag', 'Bob.Smith@Acme.com', ACME.id]]);
  });

  it("a plus-tag on the end user's email field is a near miss", () => {
    expect(kinds('ops@acme.com')).toEqual([['plus_tag', 'ops+crm@acme.com', ACME.id]]);
  });

  it('dots only are a near miss', () => {
    expect(kinds('bobsmith@acme.com')).toEqual([['dots', 'Bob.Smith@Acme.com', ACME.id]]);
  });

  it('the same name at another domain of the same company is a near miss', () => {
    expect(kinds('bob.smith@acme.co.uk')).toEqual([['other_domain', 'Bob.Smith@Acme.com', ACME.id]]);
  });

  it('an address that only appears in another field of an end user is a near miss', () => {
    expect(kinds('carol.personal@gmail.com')).toEqual([['other_field', 'carol@globex.com', GLOBEX.id]]);
    expect(kinds('dan@globex.io')).toEqual([
      ['other_domain', 'dan@globex.com', GLOBEX.id],
      ['other_field', 'dan@globex.com', GLOBEX.id],
    ]);
  });

  it('the exact address is never a hint (it is a match), nor is an unrelated one', () => {
    expect(idx.forParticipant('bob.smith@acme.com')).toEqual([]);
    expect(idx.forParticipant('carol@globex.com')).toEqual([]);
    expect(idx.forParticipant('zoe@initech.com')).toEqual([]);
  });

  it('explains each hint in plain words, saying the address must be the same', () => {
    const [h] = idx.forParticipant('bob.smith+news@acme.com');
    expect(h!.detail).toContain('bob.smith+news@acme.com');
    expect(h!.detail).toContain('Bob.Smith@Acme.com');
    expect(h!.detail).toContain('must be the same');
  });

  it('reports one hint per kind and end user even when several keys lead to it', () => {
    const dup = new HintIndex([endUser(ACME.id, 'x@acme.com', { otherFields: ['x+1@acme.com', 'X+1@ACME.com'] })]);
    expect(dup.forParticipant('x+1@acme.com').map((h) => h.kind)).toEqual(['plus_tag', 'other_field']);
  });
});
