// Rules M1–M6 (the meeting rules: calendar authorized … not blocklisted), organised by the troubleshooting article's meeting questions.
import { describe, expect, it } from 'vitest';
import { decideMeeting, type MeetingCase } from './decide-meeting.js';
import {
  ACME,
  ALICE,
  BEN,
  BEN_CONNECTION,
  GLOBEX,
  MEETING_RULES,
  NOW,
  T0,
  accountIds,
  addressBlock,
  at,
  attendee,
  check,
  codes,
  connection,
  directory,
  domainBlock,
  endUser,
  meetingCase,
  minutes,
  remedyCodes,
  ruleIds,
  sighting,
  statuses,
} from '../../test/support/builders.js';
import type { DirectoryInput } from '../directory/index.js';
import type { Decision } from '../domain/decision.js';
import type { PartStat } from '../domain/items.js';

const BOB = endUser(ACME.id, 'bob@acme.com', { source: 'crm:hubspot', externalId: 'HS-1' });
const CAROL = endUser(GLOBEX.id, 'carol@globex.com', { source: 'csv' });
const DANA_ACME = endUser(ACME.id, 'dana@partner.io');
const DANA_GLOBEX = endUser(GLOBEX.id, 'dana@partner.io', { source: 'api', externalId: 'u-9' });

const dirOf = (over: Partial<DirectoryInput> = {}) => directory({ endUsers: [BOB, CAROL, DANA_ACME, DANA_GLOBEX], ...over });
const decide = (c: MeetingCase, over: Partial<DirectoryInput> = {}, now = NOW, opts = {}): Decision =>
  decideMeeting(c, dirOf(over), now, opts);

const PAST = at(NOW, -minutes(24 * 60)); // yesterday, after authorization
const FUTURE = at(NOW, minutes(24 * 60));
const LINKED_CODES = ['M1_AUTHORIZED', 'M2_AFTER_AUTHORIZATION', 'M3_STARTED', 'M4_OWNER_ORGANIZES', 'M5_ACCEPTED', 'M6_NOT_BLOCKLISTED'];

const withBob = (partstat: PartStat = 'ACCEPTED') => [attendee(ALICE.email), attendee('bob@acme.com', partstat)];
const calendar = (over = {}) =>
  sighting({ folder: 'Calendar', connection: connection({ provider: 'google_calendar', ...over }), at: PAST });

describe('a meeting the CSM organized and an end user accepted', () => {
  it("is linked to the end user's account, with M1..M6 passing in order and nothing to do", () => {
    const d = decide(meetingCase({ start: PAST, attendees: withBob() }));
    expect(d.kind).toBe('meeting');
    expect(d.outcome).toBe('linked');
    expect(ruleIds(d)).toEqual(MEETING_RULES);
    expect(codes(d)).toEqual(LINKED_CODES);
    expect(statuses(d)).toEqual(Array(6).fill('pass'));
    expect(d.accounts).toEqual([
      {
        id: ACME.id,
        via: [
          { email: 'bob@acme.com', endUserId: BOB.id, source: 'crm:hubspot', externalId: 'HS-1', field: 'attendee', partstat: 'ACCEPTED' },
        ],
      },
    ]);
    expect(d.remedies).toEqual([]);
    expect(d.hints).toEqual([]);
  });
});

describe('an attendee on an internationalised domain, in Unicode or punycode spelling', () => {
  it('an end user imported in Unicode form is matched by an attendee in punycode form, and the reverse', () => {
    const anna = endUser(ACME.id, 'anna@bücher.example', { source: 'csv' });
    const leo = endUser(GLOBEX.id, 'LEO@xn--exmple-cua.de');
    const annaMeets = decide(meetingCase({ start: PAST, attendees: [attendee(ALICE.email), attendee('Anna@XN--BCHER-KVA.example')] }), {
      endUsers: [anna, leo],
    });
    expect(annaMeets.outcome).toBe('linked');
    expect(accountIds(annaMeets)).toEqual([ACME.id]);
    const leoMeets = decide(meetingCase({ start: PAST, attendees: [attendee(ALICE.email), attendee('mailto:leo@exämple.de')] }), {
      endUsers: [anna, leo],
    });
    expect(leoMeets.outcome).toBe('linked');
    expect(accountIds(leoMeets)).toEqual([GLOBEX.id]);
  });

  it('an attendee on an internal domain written in the other spelling is not offered as an end user to add', () => {
    const c = meetingCase({ start: PAST, attendees: [attendee(ALICE.email), attendee('Colleague@XN--BCHER-KVA.example')] });
    for (const internalDomains of [['Bücher.Example'], ['xn--bcher-kva.example']]) {
      const d = decide(c, { internalDomains: [...internalDomains, 'ourco.com'] });
      expect(check(d, 'M5').code).toBe('M5_NO_END_USER');
      expect(remedyCodes(d)).not.toContain('ADD_END_USER');
    }
    expect(remedyCodes(decide(c, { internalDomains: ['ourco.com'] }))).toContain('ADD_END_USER');
  });

  it('the details and remedies name attendees and the organizer with the domain in Unicode (displayAddress)', () => {
    const anna = endUser(ACME.id, 'anna@bücher.example', { source: 'csv' });
    const tentative = decide(
      meetingCase({
        start: PAST,
        organizer: { address: 'Otto@XN--BCHER-KVA.example' },
        attendees: [attendee(ALICE.email), attendee('anna@xn--bcher-kva.example', 'TENTATIVE')],
      }),
      { endUsers: [anna] },
    );
    expect(check(tentative, 'M4').detail).toContain('Organized by otto@bücher.example');
    expect(check(tentative, 'M5').detail).toContain('anna@bücher.example TENTATIVE');
    const ask = tentative.remedies.find((r) => r.code === 'ASK_TO_ACCEPT')!;
    expect(ask.text).toContain('(anna@bücher.example)');
    const texts = [...tentative.checks.map((c) => c.detail), ...tentative.remedies.map((r) => r.text)].join('\n');
    expect(texts).not.toContain('xn--');
  });
});

describe('article 4 — "I can\'t see the meeting which I recently had with my customer"', () => {
  describe('M1 calendar authorized', () => {
    it('a meeting no authorized calendar has is not linked, and the remedy is to authorize the calendar', () => {
      const d = decide(meetingCase({ start: PAST, attendees: withBob() }, []));
      expect(d.outcome).toBe('not_linked');
      expect(d.accounts).toEqual([]);
      expect(ruleIds(d)).toEqual(MEETING_RULES);
      expect(codes(d)).toEqual(['M1_NOT_SEEN', 'M2_NOT_SEEN', 'M3_STARTED', 'M4_NOT_SEEN', 'M5_ACCEPTED', 'M6_NOT_BLOCKLISTED']);
      expect(statuses(d)).toEqual(['fail', 'n/a', 'pass', 'n/a', 'pass', 'pass']);
      expect(remedyCodes(d)).toEqual(['AUTHORIZE']);
      expect(d.remedies[0]!.text).toContain('calendar');
    });

    it('a meeting already seen in a calendar that now needs re-authorization stays linked, and the remedy is to re-authorize', () => {
      const d = decide(meetingCase({ start: PAST, attendees: withBob() }, [calendar({ status: 'needs_reauth' })]));
      expect(d.outcome).toBe('linked');
      expect(check(d, 'M1')).toMatchObject({ status: 'pass', code: 'M1_AUTHORIZED' });
      expect(check(d, 'M1').detail).toContain('needs re-authorization');
      expect(remedyCodes(d)).toEqual(['REAUTHORIZE']);
    });
  });

  describe("M2 not historic (meetings before the calendar's first authorization are never synced)", () => {
    it('a meeting that started before the calendar was first authorized is historic: not linked, with the historic remedy', () => {
      const d = decide(meetingCase({ start: at(T0, -minutes(60)), attendees: withBob() }));
      expect(d.outcome).toBe('not_linked');
      expect(ruleIds(d)).toEqual(MEETING_RULES);
      expect(check(d, 'M2')).toMatchObject({ status: 'fail', code: 'M2_HISTORIC' });
      expect(remedyCodes(d)).toEqual(['HISTORIC_NEVER_SYNCED']);
    });

    it('a meeting starting exactly at the authorization instant is not historic', () => {
      const d = decide(meetingCase({ start: T0, attendees: withBob() }));
      expect(check(d, 'M2')).toMatchObject({ status: 'pass', code: 'M2_AFTER_AUTHORIZATION' });
      expect(d.outcome).toBe('linked');
    });

    it('each occurrence of a recurring series is judged on its own start', () => {
      const weekly = (start: Date) => meetingCase({ uid: 'weekly-sync', recurring: true, start, attendees: withBob() });
      const before = decide(weekly(at(T0, -minutes(7 * 24 * 60))));
      const after = decide(weekly(at(T0, minutes(7 * 24 * 60 - 60))));
      expect(before.outcome).toBe('not_linked');
      expect(check(before, 'M2').code).toBe('M2_HISTORIC');
      expect(after.outcome).toBe('linked');
      expect(check(after, 'M2').code).toBe('M2_AFTER_AUTHORIZATION');
    });

    it("a meeting before one calendar's authorization but after another's is not historic", () => {
      const start = at(T0, minutes(60));
      const late = calendar({ authorizedAt: at(T0, minutes(24 * 60)) });
      const ben = sighting({ folder: 'Calendar', connection: BEN_CONNECTION, at: start });
      const d = decide(meetingCase({ start, attendees: withBob() }, [late, ben]));
      expect(check(d, 'M2').code).toBe('M2_AFTER_AUTHORIZATION');
    });
  });

  describe('M3 started ("up to 30 min from the start of the meeting")', () => {
    it('a meeting that has not started yet is upcoming, not an activity', () => {
      const d = decide(meetingCase({ start: FUTURE, attendees: withBob() }));
      expect(d.outcome).toBe('upcoming');
      expect(d.accounts).toEqual([]);
      expect(ruleIds(d)).toEqual(MEETING_RULES);
      expect(codes(d)).toEqual([
        'M1_AUTHORIZED',
        'M2_AFTER_AUTHORIZATION',
        'M3_NOT_STARTED',
        'M4_OWNER_ORGANIZES',
        'M5_ACCEPTED',
        'M6_NOT_BLOCKLISTED',
      ]);
      expect(check(d, 'M3').status).toBe('fail');
      expect(remedyCodes(d)).toEqual(['WAIT_FOR_START']);
      expect(d.remedies[0]!.text).toContain(FUTURE.toISOString());
    });

    it('a meeting starting exactly now has started', () => {
      const d = decide(meetingCase({ start: NOW, attendees: withBob() }));
      expect(check(d, 'M3').code).toBe('M3_STARTED');
      expect(d.outcome).toBe('linked');
    });

    it('an upcoming meeting that will never qualify is not_linked, not upcoming', () => {
      const d = decide(meetingCase({ start: FUTURE, organizer: { address: 'bob@acme.com' }, attendees: withBob() }));
      expect(d.outcome).toBe('not_linked');
      expect(check(d, 'M3').code).toBe('M3_NOT_STARTED');
      expect(check(d, 'M4').code).toBe('M4_CUSTOMER_ORGANIZES');
    });

    it('an upcoming meeting nobody accepted yet is not_linked, not upcoming', () => {
      const d = decide(meetingCase({ start: FUTURE, attendees: withBob('NEEDS-ACTION') }));
      expect(d.outcome).toBe('not_linked');
    });

    it('a meeting cancelled before it starts is never logged', () => {
      const d = decide(meetingCase({ start: PAST, cancelled: true, cancelledAt: at(PAST, -minutes(60)), attendees: withBob() }));
      expect(d.outcome).toBe('not_linked');
      expect(d.accounts).toEqual([]);
      expect(check(d, 'M3')).toMatchObject({ status: 'fail', code: 'M3_CANCELLED' });
      expect(remedyCodes(d)).toEqual(['CANCELLED']);
    });

    it('a future meeting already cancelled is never logged (not upcoming)', () => {
      const d = decide(meetingCase({ start: FUTURE, cancelled: true, cancelledAt: at(NOW, -minutes(5)), attendees: withBob() }));
      expect(d.outcome).toBe('not_linked');
      expect(check(d, 'M3').code).toBe('M3_CANCELLED');
    });

    it('a cancelled meeting with no known cancellation time is treated as cancelled before it started', () => {
      const d = decide(meetingCase({ start: PAST, cancelled: true, attendees: withBob() }));
      expect(check(d, 'M3').code).toBe('M3_CANCELLED');
      expect(d.outcome).toBe('not_linked');
    });

    it('a meeting cancelled after it started had already happened, so it stays linked', () => {
      const d = decide(meetingCase({ start: PAST, cancelled: true, cancelledAt: at(PAST, minutes(10)), attendees: withBob() }));
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([ACME.id]);
      expect(check(d, 'M3')).toMatchObject({ status: 'pass', code: 'M3_STARTED' });
      expect(check(d, 'M3').detail).toContain('stays logged');
    });

    it('a meeting cancelled exactly at its start stays linked', () => {
      const d = decide(meetingCase({ start: PAST, cancelled: true, cancelledAt: PAST, attendees: withBob() }));
      expect(check(d, 'M3').code).toBe('M3_STARTED');
    });
  });

  describe('M4 teammate organizes ("CSM should be the organiser of the meeting & not the customer")', () => {
    it.each([ALICE.email, ...ALICE.aliases, 'Alice.W@OurCo.com', ' mailto:alice@ourco-sales.io '])(
      'the calendar owner organizing as %s passes',
      (organizer) => {
        const d = decide(meetingCase({ start: PAST, organizer: { address: organizer }, attendees: withBob() }));
        expect(check(d, 'M4')).toMatchObject({ status: 'pass', code: 'M4_OWNER_ORGANIZES' });
        expect(d.outcome).toBe('linked');
      },
    );

    it("a personal entry with no organizer counts as the owner's", () => {
      const d = decide(meetingCase({ start: PAST, organizer: null, attendees: withBob() }));
      expect(check(d, 'M4')).toMatchObject({ status: 'pass', code: 'M4_OWNER_ORGANIZES' });
      expect(d.outcome).toBe('linked');
    });

    it('a meeting the customer organized is not synced', () => {
      const d = decide(
        meetingCase({
          start: PAST,
          organizer: { address: 'bob@acme.com' },
          attendees: [attendee(ALICE.email), attendee('carol@globex.com')],
        }),
      );
      expect(d.outcome).toBe('not_linked');
      expect(d.accounts).toEqual([]);
      expect(ruleIds(d)).toEqual(MEETING_RULES);
      expect(check(d, 'M4')).toMatchObject({ status: 'fail', code: 'M4_CUSTOMER_ORGANIZES' });
      expect(check(d, 'M4').detail).toContain('bob@acme.com');
      expect(remedyCodes(d)).toEqual(['ORGANIZE_IT']);
    });

    it('a meeting another teammate organized is not logged from this calendar', () => {
      const d = decide(meetingCase({ start: PAST, organizer: { address: BEN.email }, attendees: withBob() }));
      expect(d.outcome).toBe('not_linked');
      expect(check(d, 'M4')).toMatchObject({ status: 'fail', code: 'M4_OTHER_TEAMMATE_ORGANIZES' });
      expect(check(d, 'M4').detail).toContain(BEN.email);
      expect(remedyCodes(d)).toContain('ORGANIZE_IT');
    });

    it("the same meeting also seen in the organizing teammate's calendar is linked", () => {
      const d = decide(
        meetingCase({ start: PAST, organizer: { address: BEN.email }, attendees: withBob() }, [
          calendar(),
          sighting({ folder: 'Calendar', connection: BEN_CONNECTION, at: PAST }),
        ]),
      );
      expect(check(d, 'M4').code).toBe('M4_OWNER_ORGANIZES');
      expect(d.outcome).toBe('linked');
    });
  });

  describe('M5 accepted ("at least 1 user … has accepted the meeting invitation")', () => {
    it('links only the accounts one of whose own end users accepted (A accepted, B only declined → only A)', () => {
      const d = decide(
        meetingCase({
          start: PAST,
          attendees: [attendee(ALICE.email), attendee('bob@acme.com', 'ACCEPTED'), attendee('carol@globex.com', 'DECLINED')],
        }),
      );
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([ACME.id]);
      expect(check(d, 'M5')).toMatchObject({ status: 'pass', code: 'M5_ACCEPTED' });
      expect(check(d, 'M5').detail).toContain('carol@globex.com DECLINED (acc-globex)');
      expect(check(d, 'M5').detail).toContain(`Not linked to ${GLOBEX.id}`);
    });

    it.each(['DECLINED', 'NEEDS-ACTION', 'TENTATIVE', 'DELEGATED', 'OTHER'] as const)(
      "an end user's %s is not an acceptance: not linked, and the remedy is to ask the customer to accept",
      (partstat) => {
        const d = decide(meetingCase({ start: PAST, attendees: withBob(partstat) }));
        expect(d.outcome).toBe('not_linked');
        expect(d.accounts).toEqual([]);
        expect(ruleIds(d)).toEqual(MEETING_RULES);
        expect(codes(d)).toEqual([
          'M1_AUTHORIZED',
          'M2_AFTER_AUTHORIZATION',
          'M3_STARTED',
          'M4_OWNER_ORGANIZES',
          'M5_NOT_ACCEPTED',
          'M6_NO_MATCH',
        ]);
        expect(statuses(d)).toEqual(['pass', 'pass', 'pass', 'pass', 'fail', 'n/a']);
        expect(check(d, 'M5').detail).toContain(`bob@acme.com ${partstat}`);
        expect(remedyCodes(d)).toEqual(['ASK_TO_ACCEPT']);
        expect(d.remedies[0]!.text).toContain('bob@acme.com');
      },
    );

    it('internal attendees accepting do not count; only end users do', () => {
      const d = decide(
        meetingCase({
          start: PAST,
          attendees: [attendee(ALICE.email), attendee(BEN.email, 'ACCEPTED'), attendee('bob@acme.com', 'TENTATIVE')],
        }),
      );
      expect(check(d, 'M5').code).toBe('M5_NOT_ACCEPTED');
      expect(d.outcome).toBe('not_linked');
    });

    it('a meeting with no attendee who is an end user is not linked; the remedy is to add the external attendees', () => {
      const d = decide(
        meetingCase({ start: PAST, attendees: [attendee(ALICE.email), attendee(BEN.email), attendee('zoe@newcustomer.com')] }),
      );
      expect(d.outcome).toBe('not_linked');
      expect(codes(d)).toEqual([
        'M1_AUTHORIZED',
        'M2_AFTER_AUTHORIZATION',
        'M3_STARTED',
        'M4_OWNER_ORGANIZES',
        'M5_NO_END_USER',
        'M6_NO_MATCH',
      ]);
      expect(remedyCodes(d)).toEqual(['ADD_END_USER']);
      expect(d.remedies[0]!.text).toContain('zoe@newcustomer.com');
      expect(d.remedies[0]!.text).not.toContain(BEN.email);
    });

    it('an end user in two accounts who accepted links both, each naming its own end user and the answer', () => {
      const d = decide(meetingCase({ start: PAST, attendees: [attendee(ALICE.email), attendee('Dana@Partner.io', 'ACCEPTED')] }));
      expect(d.accounts).toEqual([
        { id: ACME.id, via: [expect.objectContaining({ endUserId: DANA_ACME.id, source: 'manual', partstat: 'ACCEPTED' })] },
        {
          id: GLOBEX.id,
          via: [expect.objectContaining({ endUserId: DANA_GLOBEX.id, source: 'api', externalId: 'u-9', partstat: 'ACCEPTED' })],
        },
      ]);
    });

    it('near-miss attendees are hints for the troubleshooter only, never matches', () => {
      const c = meetingCase({ start: PAST, attendees: [attendee(ALICE.email), attendee('bob+meet@acme.com')] });
      const off = decide(c);
      expect(off.outcome).toBe('not_linked');
      expect(off.hints).toEqual([]);
      const on = decide(c, {}, NOW, { hints: true });
      expect(on.outcome).toBe('not_linked');
      expect(check(on, 'M5').code).toBe('M5_NO_END_USER');
      expect(on.hints).toEqual([
        expect.objectContaining({ kind: 'plus_tag', participant: 'bob+meet@acme.com', endUserEmail: 'bob@acme.com', accountId: ACME.id }),
      ]);
      expect(remedyCodes(on)).toEqual(['FIX_EMAIL_FIELD', 'ADD_END_USER']);
    });
  });

  describe('M6 not blocklisted', () => {
    it('an accepting end user on a blocklisted domain never counts: nothing linked, remedy names the entry', () => {
      const d = decide(meetingCase({ start: PAST, attendees: withBob() }), { blocklist: [domainBlock('acme.com')] });
      expect(d.outcome).toBe('not_linked');
      expect(codes(d)).toEqual([
        'M1_AUTHORIZED',
        'M2_AFTER_AUTHORIZATION',
        'M3_STARTED',
        'M4_OWNER_ORGANIZES',
        'M5_ACCEPTED',
        'M6_ALL_BLOCKLISTED',
      ]);
      expect(check(d, 'M6').status).toBe('fail');
      expect(d.remedies).toEqual([expect.objectContaining({ code: 'REMOVE_FROM_BLOCKLIST', text: expect.stringContaining('acme.com') })]);
    });

    it("a blocklisted accepting attendee does not stop another account's accepting end user", () => {
      const d = decide(meetingCase({ start: PAST, attendees: [attendee('bob@acme.com'), attendee('carol@globex.com')] }), {
        blocklist: [addressBlock('bob@acme.com')],
      });
      expect(d.outcome).toBe('linked');
      expect(accountIds(d)).toEqual([GLOBEX.id]);
      expect(check(d, 'M6').code).toBe('M6_NOT_BLOCKLISTED');
    });

    it('a blocklisted domain covers attendees on its subdomains but not lookalike domains', () => {
      const users = [endUser(ACME.id, 'x@eu.acme.com'), endUser(GLOBEX.id, 'y@notacme.com')];
      const d = decide(meetingCase({ start: PAST, attendees: [attendee('x@eu.acme.com'), attendee('y@notacme.com')] }), {
        endUsers: users,
        blocklist: [domainBlock('acme.com')],
      });
      expect(accountIds(d)).toEqual([GLOBEX.id]);
    });
  });
});

describe('article 5 — "I can see the meeting logged which did not happen for that account"', () => {
  it('a meeting between the CSM and an end user of the account is linked, naming the end user, source and answer', () => {
    const d = decide(meetingCase({ start: PAST, attendees: withBob() }));
    expect(d.accounts[0]!.via[0]).toMatchObject({ email: 'bob@acme.com', source: 'crm:hubspot', externalId: 'HS-1', partstat: 'ACCEPTED' });
  });

  it('an end user who only declined does not bring the meeting to their account', () => {
    const d = decide(meetingCase({ start: PAST, attendees: [attendee('bob@acme.com'), attendee('dana@partner.io', 'DECLINED')] }));
    expect(accountIds(d)).toEqual([ACME.id]); // not GLOBEX, although dana is an end user there too
    expect(d.accounts[0]!.via.map((v) => v.email)).toEqual(['bob@acme.com']);
  });

  it('the organizer is never counted as an accepting attendee', () => {
    // Bob organizes and lists himself as ACCEPTED: M4 fails, and he is not an attendee match either.
    const d = decide(
      meetingCase({ start: PAST, organizer: { address: 'bob@acme.com' }, attendees: [attendee('bob@acme.com'), attendee(ALICE.email)] }),
    );
    expect(check(d, 'M5').code).toBe('M5_NO_END_USER');
    expect(d.outcome).toBe('not_linked');
  });
});

describe('every meeting decision', () => {
  const scenarios: Array<[string, MeetingCase]> = [
    ['linked', meetingCase({ start: PAST, attendees: withBob() })],
    ['unseen', meetingCase({ start: PAST, attendees: withBob() }, [])],
    ['historic', meetingCase({ start: at(T0, -1), attendees: withBob() })],
    ['upcoming', meetingCase({ start: FUTURE, attendees: withBob() })],
    ['cancelled', meetingCase({ start: PAST, cancelled: true, attendees: withBob() })],
    ['customer organizes', meetingCase({ start: PAST, organizer: { address: 'x@y.org' }, attendees: withBob() })],
    ['declined', meetingCase({ start: PAST, attendees: withBob('DECLINED') })],
    ['no attendees', meetingCase({ start: PAST })],
  ];
  it.each(scenarios)('%s: lists the checks M1..M6 once each, in order; only linked has accounts', (_name, c) => {
    const d = decide(c);
    expect(ruleIds(d)).toEqual(MEETING_RULES);
    expect(d.outcome === 'linked').toBe(d.accounts.length > 0);
    if (d.outcome === 'linked') expect(d.checks.every((ch) => ch.status !== 'fail')).toBe(true);
    else expect(d.checks.some((ch) => ch.status === 'fail')).toBe(true);
  });
});
