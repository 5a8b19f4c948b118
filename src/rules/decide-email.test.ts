// Rules E1–E7 (the email rules: inbox authorized … on time), organised by the troubleshooting article's questions.
// Each test is named after what a CSM sees; every test also pins the ordered checks.
import { describe, expect, it } from 'vitest';
import { decideEmail } from './decide-email.js';
import {
  ACME,
  ALICE,
  BEN,
  BEN_CONNECTION,
  EMAIL_RULES,
  GLOBEX,
  INITECH,
  NOW,
  T0,
  accountIds,
  addressBlock,
  at,
  check,
  codes,
  connection,
  directory,
  domainBlock,
  emailCase,
  endUser,
  minutes,
  remedyCodes,
  ruleIds,
  sighting,
  statuses,
} from '../../test/support/builders.js';
import type { DirectoryInput } from '../directory/index.js';
import type { Decision } from '../domain/decision.js';
import type { EmailCase } from './decide-email.js';

const BOB = endUser(ACME.id, 'bob@acme.com', { source: 'crm:salesforce', externalId: 'SF-003' });
const CAROL = endUser(GLOBEX.id, 'carol@globex.com', { source: 'csv' });
const DANA_ACME = endUser(ACME.id, 'dana@partner.io', { source: 'manual' });
const DANA_GLOBEX = endUser(GLOBEX.id, 'dana@partner.io', { source: 'support:zendesk', externalId: 'ZD-77' });
/** An end user whose address is on the workspace's own (internal) domain: a hygiene problem. */
const ERIN_INTERNAL = endUser(INITECH.id, 'erin@ourco.com');

const dirOf = (over: Partial<DirectoryInput> = {}) => directory({ endUsers: [BOB, CAROL, DANA_ACME, DANA_GLOBEX, ERIN_INTERNAL], ...over });

const decide = (c: EmailCase, over: Partial<DirectoryInput> = {}, opts = {}): Decision => decideEmail(c, dirOf(over), NOW, opts);

const LINKED_CODES = [
  'E1_AUTHORIZED',
  'E2_AFTER_AUTHORIZATION',
  'E3_END_USER_MATCH',
  'E4_NOT_BLOCKLISTED',
  'E5_ACCOUNTS',
  'E6_HAS_EXTERNAL',
  'E7_SYNCED',
];

describe('an email from an end user to the CSM', () => {
  it("is linked to the end user's account, with all seven checks passing in order E1..E7 and nothing to do", () => {
    const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }));
    expect(d.kind).toBe('email');
    expect(d.outcome).toBe('linked');
    expect(ruleIds(d)).toEqual(EMAIL_RULES);
    expect(codes(d)).toEqual(LINKED_CODES);
    expect(statuses(d)).toEqual(Array(7).fill('pass'));
    expect(accountIds(d)).toEqual([ACME.id]);
    expect(d.remedies).toEqual([]);
    expect(d.hints).toEqual([]);
  });
});

describe('article 1 — "I cannot find the email which should have been synced"', () => {
  describe('E1 inbox authorized', () => {
    it('an email no authorized inbox has seen is not linked, and the remedy is to authorize the inbox', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }, []));
      expect(d.outcome).toBe('not_linked');
      expect(d.accounts).toEqual([]);
      expect(ruleIds(d)).toEqual(EMAIL_RULES);
      expect(codes(d)).toEqual([
        'E1_NOT_SEEN',
        'E2_NOT_SEEN',
        'E3_END_USER_MATCH',
        'E4_NOT_BLOCKLISTED',
        'E5_ACCOUNTS',
        'E6_HAS_EXTERNAL',
        'E7_NOT_SEEN',
      ]);
      expect(statuses(d)).toEqual(['fail', 'n/a', 'pass', 'pass', 'pass', 'pass', 'n/a']);
      expect(remedyCodes(d)).toEqual(['AUTHORIZE']);
      expect(d.remedies[0]!.text).toContain('Profile → Sync email & calendar → Sync now');
    });

    it('mail already seen through an inbox that now needs re-authorization stays linked, and the remedy is to re-authorize', () => {
      const s = sighting({ connection: connection({ status: 'needs_reauth', statusReason: 'token revoked' }) });
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }, [s]));
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([ACME.id]);
      expect(check(d, 'E1')).toMatchObject({ status: 'pass', code: 'E1_AUTHORIZED' });
      expect(check(d, 'E1').detail).toContain('needs re-authorization');
      expect(remedyCodes(d)).toContain('REAUTHORIZE');
      expect(d.remedies.find((r) => r.code === 'REAUTHORIZE')!.text).toContain('Re-authorize');
    });

    it('an inbox that is working gives no re-authorize remedy', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }));
      expect(check(d, 'E1').detail).not.toContain('re-authorization');
      expect(remedyCodes(d)).not.toContain('REAUTHORIZE');
    });

    it('names every mailbox and folder that saw the email', () => {
      const d = decide(
        emailCase({ from: 'bob@acme.com', to: [ALICE.email, BEN.email] }, [
          sighting({ folder: 'INBOX' }),
          sighting({ folder: '[Gmail]/Important' }),
          sighting({ connection: BEN_CONNECTION, folder: 'Inbox' }),
        ]),
      );
      expect(check(d, 'E1').detail).toContain('alice@ourco.com (INBOX)');
      expect(check(d, 'E1').detail).toContain('alice@ourco.com ([Gmail]/Important)');
      expect(check(d, 'E1').detail).toContain('ben@ourco.com (Inbox)');
      expect(d.outcome).toBe('linked');
    });
  });

  describe('E2 not historic (mail before the first authorization is never synced)', () => {
    it('mail received before the inbox was first authorized is historic: not linked, with the historic remedy', () => {
      const received = at(T0, -minutes(60 * 24));
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email, receivedAt: received }));
      expect(d.outcome).toBe('not_linked');
      expect(d.accounts).toEqual([]);
      expect(ruleIds(d)).toEqual(EMAIL_RULES);
      expect(check(d, 'E2')).toMatchObject({ status: 'fail', code: 'E2_HISTORIC' });
      expect(check(d, 'E2').detail).toContain(T0.toISOString());
      expect(remedyCodes(d)).toEqual(['HISTORIC_NEVER_SYNCED']);
    });

    it('mail received exactly at the authorization instant is not historic', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email, receivedAt: T0 }));
      expect(check(d, 'E2')).toMatchObject({ status: 'pass', code: 'E2_AFTER_AUTHORIZATION' });
      expect(d.outcome).toBe('linked');
    });

    it('mail received one millisecond before authorization is historic', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email, receivedAt: at(T0, -1) }));
      expect(check(d, 'E2').code).toBe('E2_HISTORIC');
      expect(d.outcome).toBe('not_linked');
    });

    it('mail historic for one mailbox but current for another is not historic (one current sighting is enough)', () => {
      const received = at(T0, minutes(60));
      const lateAlice = sighting({ at: received, connection: connection({ authorizedAt: at(T0, minutes(24 * 60)) }) });
      const ben = sighting({ at: received, connection: BEN_CONNECTION });
      const d = decide(emailCase({ from: 'bob@acme.com', to: [ALICE.email, BEN.email], receivedAt: received }, [lateAlice, ben]));
      expect(check(d, 'E2')).toMatchObject({ status: 'pass', code: 'E2_AFTER_AUTHORIZATION' });
      expect(d.outcome).toBe('linked');
    });

    it('mail that arrived while the connection was broken is caught up after re-authorization, not historic', () => {
      // authorizedAt is the FIRST authorization; the outage came later and re-authorizing does not move it.
      const arrived = at(T0, minutes(2 * 24 * 60));
      const s = sighting({ at: arrived, seenAt: at(arrived, minutes(3 * 24 * 60)) });
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email, receivedAt: arrived }, [s]));
      expect(d.outcome).toBe('linked');
      expect(check(d, 'E2').code).toBe('E2_AFTER_AUTHORIZATION');
      expect(check(d, 'E7')).toMatchObject({ status: 'pass', code: 'E7_CAUGHT_UP' });
    });
  });

  describe('E3 end-user match ("End User with the same email exists in the account")', () => {
    it('matches an end user whatever the case of the address', () => {
      const d = decide(emailCase({ from: 'BOB@Acme.COM', to: ALICE.email }), {
        endUsers: [endUser(ACME.id, 'Bob@ACME.com')],
      });
      expect(d.outcome).toBe('linked');
      expect(check(d, 'E3').code).toBe('E3_END_USER_MATCH');
    });

    it('matches despite whitespace around the address in the header or in the email field', () => {
      const d = decide(emailCase({ from: '  bob@acme.com\t', to: ALICE.email }), {
        endUsers: [endUser(ACME.id, ' bob@acme.com \n')],
      });
      expect(d.outcome).toBe('linked');
    });

    it('matches an accented address whether it is written composed (NFC) or decomposed (NFD)', () => {
      const nfc = 'jos\u00e9@acme.com';
      const nfd = 'jose\u0301@acme.com';
      expect(nfc).not.toBe(nfd);
      const a = decide(emailCase({ from: nfd, to: ALICE.email }), { endUsers: [endUser(ACME.id, nfc)] });
      const b = decide(emailCase({ from: nfc, to: ALICE.email }), { endUsers: [endUser(ACME.id, nfd)] });
      expect(a.outcome).toBe('linked');
      expect(b.outcome).toBe('linked');
    });

    it('matches an accented address written in upper case, even for letters with no precomposed capital (J̌ / ǰ)', () => {
      // "ǰ" (U+01F0) upper-cases to "J" + combining caron: there is no precomposed capital.
      const d = decide(emailCase({ from: 'J\u030CANE@ACME.COM', to: ALICE.email }), {
        endUsers: [endUser(ACME.id, '\u01F0ane@acme.com')],
      });
      expect('\u01F0'.toUpperCase()).toBe('J\u030C');
      expect(d.outcome).toBe('linked');
    });

    it('matches addresses written as <addr> or mailto:addr', () => {
      expect(decide(emailCase({ from: '<bob@acme.com>', to: ALICE.email })).outcome).toBe('linked');
      expect(decide(emailCase({ from: 'MAILTO:bob@acme.com', to: ALICE.email })).outcome).toBe('linked');
    });

    it.each([
      ['from', { from: 'bob@acme.com', to: ALICE.email }],
      ['to', { from: ALICE.email, to: 'bob@acme.com' }],
      ['cc', { from: ALICE.email, to: BEN.email, cc: 'bob@acme.com' }],
      ['bcc', { from: ALICE.email, to: BEN.email, bcc: 'bob@acme.com' }],
    ] as const)('an end user in %s links the email and the link names that field', (field, spec) => {
      const d = decide(emailCase(spec));
      expect(d.outcome).toBe('linked');
      expect(d.accounts).toEqual([{ id: ACME.id, via: [expect.objectContaining({ email: 'bob@acme.com', field })] }]);
    });

    it('Bcc on sent mail (where the provider shows it) links the account', () => {
      const sent = sighting({ folder: 'Sent' });
      const d = decide(emailCase({ from: ALICE.email, to: 'someone@elsewhere.org', bcc: 'bob@acme.com' }, [sent]));
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([ACME.id]);
      expect(d.accounts[0]!.via[0]!.field).toBe('bcc');
    });

    it('an address in several headers is checked once, under its first header', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email, cc: ['BOB@acme.com', 'bob@acme.com'] }));
      expect(d.accounts).toEqual([{ id: ACME.id, via: [expect.objectContaining({ field: 'from' })] }]);
    });

    it('an email with no end user among its participants is not linked; the remedy is to add the external address as an end user', () => {
      const d = decide(emailCase({ from: 'zoe@newcustomer.com', to: ALICE.email, cc: BEN.email }));
      expect(d.outcome).toBe('not_linked');
      expect(ruleIds(d)).toEqual(EMAIL_RULES);
      expect(codes(d)).toEqual([
        'E1_AUTHORIZED',
        'E2_AFTER_AUTHORIZATION',
        'E3_NO_END_USER',
        'E4_NO_MATCH',
        'E5_NO_ACCOUNT',
        'E6_HAS_EXTERNAL',
        'E7_SYNCED',
      ]);
      expect(statuses(d)).toEqual(['pass', 'pass', 'fail', 'n/a', 'n/a', 'pass', 'pass']);
      expect(check(d, 'E3').detail).toContain('zoe@newcustomer.com');
      expect(check(d, 'E3').detail).not.toContain(ALICE.email);
      expect(remedyCodes(d)).toEqual(['ADD_END_USER']);
      expect(d.remedies[0]!.text).toContain('zoe@newcustomer.com');
      expect(d.remedies[0]!.text).not.toContain(ALICE.email);
    });

    describe('near misses are never matches, and are shown as hints only to the troubleshooter', () => {
      const cases = [
        { kind: 'plus_tag', participant: 'bob+billing@acme.com', user: 'bob@acme.com' },
        { kind: 'plus_tag', participant: 'bob@acme.com', user: 'bob+crm@acme.com' },
        { kind: 'dots', participant: 'b.o.b@acme.com', user: 'bob@acme.com' },
        { kind: 'other_domain', participant: 'bob@acme.co.uk', user: 'bob@acme.com' },
        { kind: 'other_domain', participant: 'bob@mail.acme.com', user: 'bob@acme.com' },
      ] as const;

      it.each(cases)('$kind: $participant vs end user $user is not linked', ({ participant, user }) => {
        const d = decide(emailCase({ from: participant, to: ALICE.email }), { endUsers: [endUser(ACME.id, user)] });
        expect(d.outcome).toBe('not_linked');
        expect(check(d, 'E3')).toMatchObject({ status: 'fail', code: 'E3_NO_END_USER' });
        expect(d.hints).toEqual([]); // the sync's hot path computes no hints
        expect(remedyCodes(d)).not.toContain('FIX_EMAIL_FIELD');
      });

      it.each(cases)(
        '$kind: $participant vs end user $user is a hint with a fix-the-email-field remedy when asked',
        ({ kind, participant, user }) => {
          const d = decide(emailCase({ from: participant, to: ALICE.email }), { endUsers: [endUser(ACME.id, user)] }, { hints: true });
          expect(d.outcome).toBe('not_linked');
          expect(d.accounts).toEqual([]);
          expect(d.hints).toEqual([expect.objectContaining({ kind, participant, endUserEmail: user, accountId: ACME.id })]);
          expect(remedyCodes(d)).toEqual(['FIX_EMAIL_FIELD', 'ADD_END_USER']);
        },
      );

      it('an address found only in another field of an end user (not "email") is not a match, only a hint', () => {
        const users = [endUser(ACME.id, 'robert@acme.com', { otherFields: ['bob@acme.com'] })];
        const off = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }), { endUsers: users });
        expect(off.outcome).toBe('not_linked');
        expect(off.hints).toEqual([]);
        const on = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }), { endUsers: users }, { hints: true });
        expect(on.outcome).toBe('not_linked');
        expect(on.hints).toEqual([
          expect.objectContaining({ kind: 'other_field', participant: 'bob@acme.com', endUserEmail: 'robert@acme.com' }),
        ]);
        expect(on.hints[0]!.detail).toContain('"email" field');
        expect(remedyCodes(on)).toContain('FIX_EMAIL_FIELD');
      });

      it('an address typed into the name field of an end user is also only a hint', () => {
        const users = [endUser(ACME.id, 'robert@acme.com', { name: 'bob@acme.com' })];
        const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }), { endUsers: users }, { hints: true });
        expect(d.outcome).toBe('not_linked');
        expect(d.hints.map((h) => h.kind)).toEqual(['other_field']);
      });

      it('asking for hints never changes the outcome, the accounts or the checks of a linked email', () => {
        const c = emailCase({ from: 'bob@acme.com', to: ALICE.email, cc: 'bob+x@acme.com' });
        const off = decide(c);
        const on = decide(c, {}, { hints: true });
        expect(on.outcome).toBe('linked');
        expect(on.accounts).toEqual(off.accounts);
        expect(on.checks).toEqual(off.checks);
      });
    });
  });

  describe('E7 on time ("it may take up to 30 min for email to sync")', () => {
    it('mail seen within the 30-minute promise is reported as synced on time', () => {
      const arrived = at(T0, minutes(60));
      const d = decide(
        emailCase({ from: 'bob@acme.com', to: ALICE.email, receivedAt: arrived }, [
          sighting({ at: arrived, seenAt: at(arrived, minutes(4)) }),
        ]),
      );
      expect(check(d, 'E7')).toMatchObject({ status: 'pass', code: 'E7_SYNCED' });
      expect(check(d, 'E7').detail).toContain('4 minutes after it arrived');
    });

    it('mail first seen later than the promise is reported as caught up, and still linked', () => {
      const arrived = at(T0, minutes(60));
      const d = decide(
        emailCase({ from: 'bob@acme.com', to: ALICE.email, receivedAt: arrived }, [
          sighting({ at: arrived, seenAt: at(arrived, minutes(45)) }),
        ]),
      );
      expect(check(d, 'E7')).toMatchObject({ status: 'pass', code: 'E7_CAUGHT_UP' });
      expect(check(d, 'E7').detail).toContain('30-minute promise');
      expect(d.outcome).toBe('linked');
    });

    it('judges the lag on the earliest sighting across mailboxes', () => {
      const arrived = at(T0, minutes(60));
      const d = decide(
        emailCase({ from: 'bob@acme.com', to: [ALICE.email, BEN.email], receivedAt: arrived }, [
          sighting({ at: arrived, seenAt: at(arrived, minutes(90)) }),
          sighting({ at: arrived, seenAt: at(arrived, minutes(2)), connection: BEN_CONNECTION }),
        ]),
      );
      expect(check(d, 'E7').code).toBe('E7_SYNCED');
    });

    it('uses the workspace promise when one is given', () => {
      const arrived = at(T0, minutes(60));
      const c = emailCase({ from: 'bob@acme.com', to: ALICE.email, receivedAt: arrived }, [
        sighting({ at: arrived, seenAt: at(arrived, minutes(10)) }),
      ]);
      expect(check(decide(c, {}, { promiseMinutes: 5 }), 'E7').code).toBe('E7_CAUGHT_UP');
      expect(check(decide(c, {}, { promiseMinutes: 30 }), 'E7').code).toBe('E7_SYNCED');
    });
  });
});

describe('article 2 — "I can see emails which should not have been synced"', () => {
  describe('E6 internal mail', () => {
    it('mail between internal people only is never linked', () => {
      const d = decide(emailCase({ from: ALICE.email, to: BEN.email }));
      expect(d.outcome).toBe('not_linked');
      expect(ruleIds(d)).toEqual(EMAIL_RULES);
      expect(check(d, 'E6')).toMatchObject({ status: 'fail', code: 'E6_INTERNAL_ONLY' });
      expect(remedyCodes(d)).toContain('INTERNAL_ONLY');
      // Internal addresses are not offered as end users to add.
      expect(remedyCodes(d)).not.toContain('ADD_END_USER');
    });

    it('mail between internal people is never linked even when one of them is (wrongly) an end user on an internal domain', () => {
      const d = decide(emailCase({ from: ALICE.email, to: ERIN_INTERNAL.email }));
      expect(d.outcome).toBe('not_linked');
      expect(d.accounts).toEqual([]);
      expect(codes(d)).toEqual([
        'E1_AUTHORIZED',
        'E2_AFTER_AUTHORIZATION',
        'E3_END_USER_MATCH',
        'E4_NOT_BLOCKLISTED',
        'E5_ACCOUNTS',
        'E6_INTERNAL_ONLY',
        'E7_SYNCED',
      ]);
      expect(check(d, 'E6').status).toBe('fail');
    });

    it('a teammate alias on another domain counts as internal', () => {
      const d = decide(emailCase({ from: 'alice@ourco-sales.io', to: BEN.email }));
      expect(check(d, 'E6').code).toBe('E6_INTERNAL_ONLY');
      expect(d.outcome).toBe('not_linked');
    });

    it('an address on a subdomain of an internal domain counts as internal', () => {
      const d = decide(emailCase({ from: 'noreply@eu.ourco.com', to: BEN.email }));
      expect(check(d, 'E6').code).toBe('E6_INTERNAL_ONLY');
    });

    it('a lookalike of the internal domain is not internal', () => {
      const d = decide(emailCase({ from: 'phisher@notourco.com', to: BEN.email }));
      expect(check(d, 'E6')).toMatchObject({ status: 'pass', code: 'E6_HAS_EXTERNAL' });
    });

    it('an exchange between an internal person and an end user is linked even when the mailbox owner is only in Cc', () => {
      const d = decide(emailCase({ from: BEN.email, to: 'bob@acme.com', cc: ALICE.email }));
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([ACME.id]);
      expect(check(d, 'E6')).toMatchObject({ status: 'pass', code: 'E6_HAS_EXTERNAL' });
    });

    it('an exchange between an end user and a teammate who is not the mailbox owner is linked', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: BEN.email }));
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([ACME.id]);
    });

    it("mail from an end user on an internal domain to a customer links that end user's account (directory hygiene flags it)", () => {
      const d = decide(emailCase({ from: ERIN_INTERNAL.email, to: 'zoe@newcustomer.com' }));
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([INITECH.id]);
    });
  });

  describe('E4 not blocklisted ("request email with certain domains to be blacklisted")', () => {
    it('a blocklisted address never causes a match: every matching participant blocklisted → nothing linked', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }), { blocklist: [addressBlock('Bob@Acme.com')] });
      expect(d.outcome).toBe('not_linked');
      expect(d.accounts).toEqual([]);
      expect(ruleIds(d)).toEqual(EMAIL_RULES);
      expect(codes(d)).toEqual([
        'E1_AUTHORIZED',
        'E2_AFTER_AUTHORIZATION',
        'E3_END_USER_MATCH',
        'E4_ALL_BLOCKLISTED',
        'E5_NO_ACCOUNT',
        'E6_HAS_EXTERNAL',
        'E7_SYNCED',
      ]);
      expect(statuses(d)).toEqual(['pass', 'pass', 'pass', 'fail', 'n/a', 'pass', 'pass']);
      expect(remedyCodes(d)).toEqual(['REMOVE_FROM_BLOCKLIST']);
      expect(d.remedies[0]!.text).toContain('bob@acme.com');
    });

    it('a blocklisted domain blocks its end users and names the domain in the remedy', () => {
      const d = decide(emailCase({ from: 'dana@partner.io', to: ALICE.email }), { blocklist: [domainBlock('partner.io')] });
      expect(d.outcome).toBe('not_linked');
      expect(check(d, 'E4').code).toBe('E4_ALL_BLOCKLISTED');
      expect(check(d, 'E4').detail).toContain('partner.io');
      expect(d.remedies).toEqual([expect.objectContaining({ code: 'REMOVE_FROM_BLOCKLIST', text: expect.stringContaining('partner.io') })]);
    });

    it('a blocklisted domain covers its subdomains', () => {
      const users = [endUser(ACME.id, 'frank@eu.partner.io')];
      const d = decide(emailCase({ from: 'frank@eu.partner.io', to: ALICE.email }), {
        endUsers: users,
        blocklist: [domainBlock('partner.io')],
      });
      expect(check(d, 'E4').code).toBe('E4_ALL_BLOCKLISTED');
      expect(d.outcome).toBe('not_linked');
    });

    it('a blocklisted domain does not cover a lookalike domain ("notacme.com" is not under "acme.com")', () => {
      const users = [endUser(GLOBEX.id, 'gina@notacme.com')];
      const d = decide(emailCase({ from: 'gina@notacme.com', to: ALICE.email }), { endUsers: users, blocklist: [domainBlock('acme.com')] });
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([GLOBEX.id]);
    });

    it('a blocklisted subdomain does not cover its parent domain', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }), { blocklist: [domainBlock('eu.acme.com')] });
      expect(d.outcome).toBe('linked');
    });

    it('domain entries written with "@", upper case or a trailing dot still block', () => {
      for (const entry of ['@Partner.IO', 'PARTNER.io.', '.partner.io']) {
        const d = decide(emailCase({ from: 'dana@partner.io', to: ALICE.email }), { blocklist: [domainBlock(entry)] });
        expect(d.outcome, entry).toBe('not_linked');
      }
    });

    it('when only some matching participants are blocklisted, the others still link their accounts', () => {
      const d = decide(emailCase({ from: 'dana@partner.io', to: ['bob@acme.com', 'carol@globex.com'] }), {
        blocklist: [domainBlock('partner.io')],
      });
      expect(d.outcome).toBe('linked');
      // dana is in ACME and GLOBEX, but blocked; bob links ACME and carol links GLOBEX on their own.
      expect(d.accounts).toEqual([
        { id: ACME.id, via: [expect.objectContaining({ email: 'bob@acme.com' })] },
        { id: GLOBEX.id, via: [expect.objectContaining({ email: 'carol@globex.com' })] },
      ]);
      expect(check(d, 'E4')).toMatchObject({ status: 'pass', code: 'E4_NOT_BLOCKLISTED' });
      expect(check(d, 'E4').detail).toContain('Ignored as blocklisted: dana@partner.io (partner.io)');
      expect(remedyCodes(d)).toEqual([]);
    });

    it('a blocklisted participant that is the only end user of one account leaves that account out', () => {
      const d = decide(emailCase({ from: 'bob@acme.com', to: 'carol@globex.com' }), { blocklist: [addressBlock('carol@globex.com')] });
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([ACME.id]);
    });
  });

  it("a linked email names each end user's source and external id, so deleting a synced user can be warned about (article 2.3)", () => {
    const d = decide(emailCase({ from: 'bob@acme.com', to: ALICE.email }));
    expect(d.accounts).toEqual([
      { id: ACME.id, via: [{ email: 'bob@acme.com', endUserId: BOB.id, source: 'crm:salesforce', externalId: 'SF-003', field: 'from' }] },
    ]);
  });
});

describe('article 3 — "I can see the same email synced under multiple accounts"', () => {
  it('an end user present in two accounts links the email to both, each naming its own end user and source', () => {
    const d = decide(emailCase({ from: 'dana@partner.io', to: ALICE.email }));
    expect(d.outcome).toBe('linked');
    expect(d.accounts).toEqual([
      { id: ACME.id, via: [{ email: 'dana@partner.io', endUserId: DANA_ACME.id, source: 'manual', field: 'from' }] },
      {
        id: GLOBEX.id,
        via: [{ email: 'dana@partner.io', endUserId: DANA_GLOBEX.id, source: 'support:zendesk', externalId: 'ZD-77', field: 'from' }],
      },
    ]);
    expect(check(d, 'E5')).toMatchObject({ status: 'pass', code: 'E5_ACCOUNTS' });
    expect(check(d, 'E5').detail).toContain('2 account(s)');
    expect(check(d, 'E5').detail).toContain('Acme [acc-acme] via dana@partner.io');
    expect(check(d, 'E5').detail).toContain('Globex [acc-globex] via dana@partner.io');
    expect(check(d, 'E3').detail).toContain('is an end user of Acme');
    expect(check(d, 'E3').detail).toContain('is an end user of Globex');
  });

  it('different end users of different accounts on one email link every account', () => {
    const d = decide(emailCase({ from: ALICE.email, to: 'bob@acme.com', cc: 'carol@globex.com' }));
    expect(accountIds(d)).toEqual([ACME.id, GLOBEX.id]);
  });

  it('two end users of the same account give one link naming both', () => {
    const d = decide(emailCase({ from: 'dana@partner.io', to: 'bob@acme.com' }), { endUsers: [BOB, DANA_ACME] });
    expect(d.accounts).toEqual([
      {
        id: ACME.id,
        via: [
          expect.objectContaining({ email: 'dana@partner.io', field: 'from' }),
          expect.objectContaining({ email: 'bob@acme.com', field: 'to' }),
        ],
      },
    ]);
  });
});

describe('an internationalised domain, written in Unicode or in punycode (ASCII), is one address', () => {
  const ANNA = endUser(ACME.id, 'Anna@Bücher.Example', { source: 'csv' });
  const LEO = endUser(GLOBEX.id, 'leo@xn--exmple-cua.de', { source: 'manual' });

  it('an end user imported in Unicode form is matched by mail from the punycode form, and the reverse', () => {
    const fromPuny = decide(emailCase({ from: 'anna@xn--bcher-kva.example', to: ALICE.email }), { endUsers: [ANNA, LEO] });
    expect(fromPuny.outcome).toBe('linked');
    expect(accountIds(fromPuny)).toEqual([ACME.id]);
    const fromUnicode = decide(emailCase({ from: BEN.email, to: 'Leo@Exämple.de', cc: ALICE.email }), { endUsers: [ANNA, LEO] });
    expect(fromUnicode.outcome).toBe('linked');
    expect(accountIds(fromUnicode)).toEqual([GLOBEX.id]);
  });

  it('an internal domain in one spelling covers addresses in the other (E6)', () => {
    const unicodeDomain = { internalDomains: ['bücher.example'], endUsers: [ANNA] };
    const puny = decide(emailCase({ from: 'anna@xn--bcher-kva.example', to: ALICE.email }), unicodeDomain);
    expect(check(puny, 'E6').code).toBe('E6_INTERNAL_ONLY');
    expect(puny.outcome).toBe('not_linked');
    const punyDomain = { internalDomains: ['xn--bcher-kva.example', 'ourco.com'], endUsers: [ANNA] };
    const unicode = decide(emailCase({ from: 'anna@bücher.example', to: ALICE.email }), punyDomain);
    expect(check(unicode, 'E6').code).toBe('E6_INTERNAL_ONLY');
  });

  it('a blocklisted domain in one spelling blocks mail from the other (E4)', () => {
    const d = decide(emailCase({ from: 'anna@bücher.example', to: ALICE.email }), {
      endUsers: [ANNA],
      blocklist: [domainBlock('xn--bcher-kva.example')],
    });
    expect(d.outcome).toBe('not_linked');
    expect(check(d, 'E4').status).toBe('fail');
  });

  // The address is stored and matched in ASCII; people read it in Unicode (displayAddress).
  const text = (d: Decision) =>
    [...d.checks.map((c) => c.detail), ...d.remedies.map((r) => r.text), ...d.hints.map((h) => h.detail)].join('\n');

  it('remedies, details and hints name the address with its domain in Unicode; actions and hint keys keep the ASCII form', () => {
    const stranger = decide(emailCase({ from: 'Otto@XN--BCHER-KVA.example', to: ALICE.email }), { endUsers: [ANNA] });
    const add = stranger.remedies.find((r) => r.code === 'ADD_END_USER')!;
    expect(add.text).toContain('otto@bücher.example');
    expect(add.actions).toEqual([{ kind: 'add_end_user', email: 'otto@xn--bcher-kva.example' }]);
    expect(check(stranger, 'E3').detail).toContain('otto@bücher.example');

    const nearMiss = decide(emailCase({ from: 'a.nna@bücher.example', to: ALICE.email }), { endUsers: [ANNA] }, { hints: true });
    expect(nearMiss.hints).toEqual([expect.objectContaining({ kind: 'dots', participant: 'a.nna@xn--bcher-kva.example' })]);
    expect(nearMiss.hints[0]!.detail).toContain('a.nna@bücher.example differs from end user Anna@Bücher.Example');
    expect(nearMiss.remedies.find((r) => r.code === 'FIX_EMAIL_FIELD')!.text).toContain('the message used a.nna@bücher.example');

    const linked = decide(emailCase({ from: 'anna@xn--bcher-kva.example', to: ALICE.email }), { endUsers: [ANNA] });
    expect(check(linked, 'E3').detail).toContain('anna@bücher.example (from) is an end user');

    const blocked = decide(emailCase({ from: 'anna@bücher.example', to: ALICE.email }), {
      endUsers: [ANNA],
      blocklist: [domainBlock('Bücher.Example')],
    });
    expect(check(blocked, 'E4').detail).toContain('(bücher.example)');
    expect(blocked.remedies.find((r) => r.code === 'REMOVE_FROM_BLOCKLIST')).toMatchObject({
      text: expect.stringContaining('Remove bücher.example'),
      actions: [{ kind: 'unblock', entry: 'xn--bcher-kva.example' }],
    });

    for (const d of [stranger, nearMiss, linked, blocked]) expect(text(d)).not.toContain('xn--');
  });
});

describe('every email decision', () => {
  const scenarios: Array<[string, EmailCase]> = [
    ['linked', emailCase({ from: 'bob@acme.com', to: ALICE.email })],
    ['unseen', emailCase({ from: 'bob@acme.com', to: ALICE.email }, [])],
    ['historic', emailCase({ from: 'bob@acme.com', to: ALICE.email, receivedAt: at(T0, -1000) })],
    ['no end user', emailCase({ from: 'x@y.org', to: ALICE.email })],
    ['internal', emailCase({ from: ALICE.email, to: BEN.email })],
    ['no participants', emailCase({})],
  ];
  it.each(scenarios)('%s: lists the checks E1..E7 once each, in order, and links accounts only when linked', (_name, c) => {
    const d = decide(c);
    expect(ruleIds(d)).toEqual(EMAIL_RULES);
    expect(d.outcome === 'linked').toBe(d.accounts.length > 0);
    if (d.outcome === 'linked') expect(d.checks.every((ch) => ch.status !== 'fail')).toBe(true);
    else expect(d.checks.some((ch) => ch.status === 'fail')).toBe(true);
    expect(new Set(d.remedies.map((r) => r.code + r.text)).size).toBe(d.remedies.length);
  });
});
