// Properties of the rules that must hold for every input, not just the examples:
// spelling of an address never matters, directory changes move links in the right
// direction only, header order never matters, decisions are pure, and outcomes agree with checks.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideEmail, decideEmailForSync, type EmailCase } from './decide-email.js';
import { decideMeeting, decideMeetingForSync, type MeetingCase } from './decide-meeting.js';
import { DirectoryIndex, type DirectoryInput } from '../directory/index.js';
import type { Sighting } from '../domain/connection.js';
import type { Decision } from '../domain/decision.js';
import type { BlocklistEntry, EndUser } from '../domain/directory.js';
import type { Address, Attendee, PartStat } from '../domain/items.js';
import {
  ALICE,
  BEN,
  BEN_CONNECTION,
  EMAIL_RULES,
  MEETING_RULES,
  NOW,
  T0,
  at,
  connection,
  directoryInput,
  emailItem,
  minutes,
  occurrence,
} from '../../test/support/builders.js';

// ---------------------------------------------------------------- generators

// Names include accented letters in both simple and awkward forms (ǰ has no precomposed capital).
const NAMES = ['bob', 'carol', 'dana', 'jos\u00e9', '\u01F0ane', '\u00f8le', 'm\u00fcller', 'x.y', 'z+1'];
const DOMAINS = ['acme.com', 'eu.acme.com', 'notacme.com', 'globex.io', 'partner.io', 'ourco.com', 'eu.ourco.com', 'm\u00fcnchen.de'];
const POOL = NAMES.flatMap((n) => DOMAINS.map((d) => `${n}@${d}`));
const TEAM = [ALICE.email, ...ALICE.aliases, BEN.email];
const ACCOUNTS = ['a0', 'a1', 'a2', 'a3', 'a4'];
const SOURCES = ['manual', 'csv', 'api', 'crm:salesforce', 'support:zendesk'];

const poolAddress = fc.constantFrom(...POOL);
const anyAddress = fc.oneof({ weight: 4, arbitrary: poolAddress }, { weight: 1, arbitrary: fc.constantFrom(...TEAM) });

let seq = 0;
const endUserArb: fc.Arbitrary<EndUser> = fc
  .record({
    accountId: fc.constantFrom(...ACCOUNTS),
    email: poolAddress,
    source: fc.constantFrom(...SOURCES),
    ext: fc.option(fc.constantFrom('X1', 'X2'), { nil: undefined }),
  })
  .map(({ accountId, email, source, ext }) => ({ id: `u${++seq}`, accountId, email, source, ...(ext ? { externalId: ext } : {}) }));

const blockArb: fc.Arbitrary<BlocklistEntry> = fc.oneof(
  fc.constantFrom(...DOMAINS, 'acme.com', 'io').map((entry): BlocklistEntry => ({ entry, kind: 'domain' })),
  poolAddress.map((entry): BlocklistEntry => ({ entry, kind: 'address' })),
);

const dirInputArb: fc.Arbitrary<DirectoryInput> = fc
  .record({ endUsers: fc.array(endUserArb, { maxLength: 25 }), blocklist: fc.array(blockArb, { maxLength: 2 }) })
  .map(({ endUsers, blocklist }) =>
    directoryInput({ endUsers, blocklist, accounts: ACCOUNTS.map((id) => ({ id, name: id.toUpperCase() })) }),
  );

const sightingArb: fc.Arbitrary<Sighting> = fc
  .record({
    who: fc.constantFrom('alice', 'ben'),
    status: fc.constantFrom('active', 'active', 'needs_reauth', 'error') as fc.Arbitrary<'active' | 'needs_reauth' | 'error'>,
    atMin: fc.integer({ min: -3 * 24 * 60, max: 7 * 24 * 60 }),
    lagMin: fc.integer({ min: 0, max: 120 }),
    folder: fc.constantFrom('INBOX', 'Sent', '[Gmail]/All Mail'),
  })
  .map(({ who, status, atMin, lagMin, folder }) => {
    const base = who === 'alice' ? connection() : BEN_CONNECTION;
    const when = at(T0, minutes(atMin));
    return { connection: { ...base, status }, folder, at: when, seenAt: at(when, minutes(lagMin)) };
  });

const addrList = (max: number) => fc.array(anyAddress, { maxLength: max });

const emailCaseArb: fc.Arbitrary<EmailCase> = fc
  .record({ from: addrList(1), to: addrList(4), cc: addrList(3), bcc: addrList(2), sightings: fc.array(sightingArb, { maxLength: 2 }) })
  .map(({ from, to, cc, bcc, sightings }) => {
    const item = emailItem({ from, to, cc, bcc });
    return { item, sightings: sightings.map((s) => ({ ...s })) };
  });

/**
 * An email and a directory whose end users and blocklist are drawn from its own participants:
 * many end users matched, often every one of them blocklisted (E4: up to a dozen remedies; the
 * sync shares decisions up to 7), and internal-only mail (E6) among them.
 */
const crowdedArb: fc.Arbitrary<{ c: EmailCase; input: DirectoryInput }> = fc
  .record({
    c: fc.oneof(
      emailCaseArb,
      // Many customers on one email: enough distinct addresses for 8 and more blocklist entries.
      fc
        .record({
          from: poolAddress,
          to: fc.uniqueArray(poolAddress, { minLength: 4, maxLength: 8 }),
          cc: fc.uniqueArray(poolAddress, { maxLength: 6 }),
          sightings: fc.array(sightingArb, { minLength: 1, maxLength: 2 }),
        })
        .map(({ from, to, cc, sightings }): EmailCase => ({ item: emailItem({ from: [from], to, cc }), sightings })),
      fc
        .record({
          from: fc.constantFrom(...TEAM, 'x@ourco.com', 'y@eu.ourco.com'),
          to: fc.array(fc.constantFrom(...TEAM, 'x@ourco.com'), { minLength: 1, maxLength: 3 }),
          sightings: fc.array(sightingArb, { minLength: 1, maxLength: 2 }),
        })
        .map(({ from, to, sightings }): EmailCase => ({ item: emailItem({ from: [from], to }), sightings })),
    ),
    blockAll: fc.boolean(),
    start: fc.nat(),
    // The n-th pick is the (start + n)-th participant: a long list covers each of them.
    picks: fc.array(fc.record({ account: fc.constantFrom(...ACCOUNTS), block: fc.nat({ max: 2 }) }), { maxLength: 14 }),
  })
  .map(({ c, blockAll, start, picks }) => {
    const addresses = [...c.item.from, ...c.item.to, ...c.item.cc, ...c.item.bcc].map((a) => a.address);
    const endUsers: EndUser[] = [];
    const blocklist: BlocklistEntry[] = [];
    for (const [n, { account, block }] of (addresses.length ? picks : []).entries()) {
      const email = addresses[(start + n) % addresses.length]!;
      endUsers.push({ id: `u${++seq}`, accountId: account, email, source: 'manual' });
      // 0: not blocked; 1: this address; 2: its domain.
      const how = blockAll ? (block === 2 ? 2 : 1) : block;
      if (how === 1) blocklist.push({ entry: email, kind: 'address' });
      if (how === 2) blocklist.push({ entry: email.slice(email.indexOf('@') + 1), kind: 'domain' });
    }
    const input = directoryInput({ endUsers, blocklist, accounts: ACCOUNTS.map((id) => ({ id, name: id.toUpperCase() })) });
    return { c, input };
  });

const partstatArb = fc.constantFrom<PartStat>('ACCEPTED', 'ACCEPTED', 'DECLINED', 'TENTATIVE', 'NEEDS-ACTION');
const meetingCaseArb: fc.Arbitrary<MeetingCase> = fc
  .record({
    startMin: fc.integer({ min: -2 * 24 * 60, max: 10 * 24 * 60 }),
    organizer: fc.option(fc.oneof(fc.constantFrom(...TEAM), poolAddress), { nil: null }),
    attendees: fc.array(fc.record({ address: anyAddress, partstat: partstatArb }), { maxLength: 5 }),
    cancel: fc.option(fc.integer({ min: -120, max: 120 }), { nil: undefined }),
    seen: fc.boolean(),
  })
  .map(({ startMin, organizer, attendees, cancel, seen }) => {
    const start = at(T0, minutes(startMin));
    const occ = occurrence({
      start,
      organizer: organizer === null ? null : { address: organizer },
      attendees: attendees as Attendee[],
      cancelled: cancel !== undefined,
      ...(cancel !== undefined ? { cancelledAt: at(start, minutes(cancel)) } : {}),
    });
    const sightings: Sighting[] = seen
      ? [{ connection: connection({ provider: 'google_calendar' }), folder: 'Calendar', at: start, seenAt: start }]
      : [];
    return { occurrence: occ, sightings };
  });

// Spelling variants: per-letter case, NFC or NFD, surrounding whitespace.
const spellingArb = fc.record({
  upper: fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
  form: fc.constantFrom<'NFC' | 'NFD'>('NFC', 'NFD'),
  before: fc.constantFrom('', ' ', '\t', '\u00a0', ' \n'),
  after: fc.constantFrom('', ' ', '\t', '\u00a0', '\r\n'),
});
type Spelling = { upper: boolean[]; form: 'NFC' | 'NFD'; before: string; after: string };

function respell(address: string, s: Spelling, salt = 0): string {
  const chars = [...address.normalize('NFC')].map((ch, i) => (s.upper[(i + salt) % s.upper.length] ? ch.toUpperCase() : ch));
  return s.before + chars.join('').normalize(s.form) + s.after;
}
const respellAll = (list: Address[], s: Spelling, salt: number): Address[] =>
  list.map((a, i) => ({ ...a, address: respell(a.address, s, salt + i) }));

// ---------------------------------------------------------------- helpers

const email = (c: EmailCase, input: DirectoryInput, hints = false): Decision => decideEmail(c, new DirectoryIndex(input), NOW, { hints });
const meeting = (c: MeetingCase, input: DirectoryInput, hints = false): Decision =>
  decideMeeting(c, new DirectoryIndex(input), NOW, { hints });
const linkedIds = (d: Decision): string[] => d.accounts.map((a) => a.id).sort();
const summary = (d: Decision) => ({
  outcome: d.outcome,
  accounts: linkedIds(d),
  codes: d.checks.map((c) => c.code),
  statuses: d.checks.map((c) => c.status),
});
const isSubset = (a: string[], b: string[]) => a.every((x) => b.includes(x));

// 1000 random cases per property (~1.5 s for the file on an idle core); FC_NUM_RUNS=20000 for a deeper local run.
const RUNS = { numRuns: Number(process.env.FC_NUM_RUNS ?? 1000) };

// ---------------------------------------------------------------- email properties

describe('email rules, for every email and directory', () => {
  it('the case, surrounding whitespace or Unicode form of participant addresses never changes the decision', () => {
    fc.assert(
      fc.property(emailCaseArb, dirInputArb, spellingArb, (c, input, s) => {
        const respelled: EmailCase = {
          ...c,
          item: {
            ...c.item,
            from: respellAll(c.item.from, s, 0),
            to: respellAll(c.item.to, s, 1),
            cc: respellAll(c.item.cc, s, 2),
            bcc: respellAll(c.item.bcc, s, 3),
          },
        };
        expect(email(respelled, input)).toEqual(email(c, input));
        expect(email(respelled, input, true)).toEqual(email(c, input, true));
      }),
      RUNS,
    );
  });

  it('the case, whitespace or Unicode form of end-user emails and blocklist entries never changes what is linked', () => {
    fc.assert(
      fc.property(emailCaseArb, dirInputArb, spellingArb, (c, input, s) => {
        const respelled: DirectoryInput = {
          ...input,
          endUsers: input.endUsers.map((u, i) => ({ ...u, email: respell(u.email, s, i) })),
          blocklist: input.blocklist.map((b, i) => ({ ...b, entry: respell(b.entry, s, i) })),
        };
        expect(summary(email(c, respelled))).toEqual(summary(email(c, input)));
      }),
      RUNS,
    );
  });

  it('adding an end user never unlinks an account; adding one no participant uses changes nothing', () => {
    fc.assert(
      fc.property(emailCaseArb, dirInputArb, endUserArb, (c, input, added) => {
        const before = email(c, input);
        const after = email(c, { ...input, endUsers: [...input.endUsers, added] });
        expect(isSubset(linkedIds(before), linkedIds(after))).toBe(true);
        if (before.outcome === 'linked') expect(after.outcome).toBe('linked');
        const used = new Set([...c.item.from, ...c.item.to, ...c.item.cc, ...c.item.bcc].map((a) => a.address));
        if (!used.has(added.email)) expect(after).toEqual(before);
      }),
      RUNS,
    );
  });

  it('blocklisting a domain never adds a link', () => {
    fc.assert(
      fc.property(emailCaseArb, dirInputArb, fc.constantFrom(...DOMAINS, 'com', 'io'), (c, input, domain) => {
        const before = email(c, input);
        const after = email(c, { ...input, blocklist: [...input.blocklist, { entry: domain, kind: 'domain' }] });
        expect(isSubset(linkedIds(after), linkedIds(before))).toBe(true);
        if (after.outcome === 'linked') expect(before.outcome).toBe('linked');
      }),
      RUNS,
    );
  });

  it('the order of To and Cc addresses (and which of the two holds them) never changes which accounts are linked', () => {
    const arb = emailCaseArb.chain((c) => {
      const n = c.item.to.length + c.item.cc.length;
      const idx = [...Array(n).keys()];
      return fc.record({
        c: fc.constant(c),
        order: fc.shuffledSubarray(idx, { minLength: n, maxLength: n }),
        split: fc.nat({ max: n }),
      });
    });
    fc.assert(
      fc.property(arb, dirInputArb, ({ c, order, split }, input) => {
        const both = [...c.item.to, ...c.item.cc];
        const shuffled = order.map((i) => both[i]!);
        const reordered: EmailCase = { ...c, item: { ...c.item, to: shuffled.slice(0, split), cc: shuffled.slice(split) } };
        const a = email(c, input);
        const b = email(reordered, input);
        expect(linkedIds(b)).toEqual(linkedIds(a));
        expect(b.outcome).toBe(a.outcome);
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input gives a deep-equal decision, with or without a fresh index, with or without hints', () => {
    fc.assert(
      fc.property(emailCaseArb, dirInputArb, fc.boolean(), (c, input, hints) => {
        const dir = new DirectoryIndex(input);
        const first = decideEmail(c, dir, NOW, { hints });
        expect(decideEmail(c, dir, NOW, { hints })).toEqual(first);
        expect(decideEmail(structuredClone(c), new DirectoryIndex(structuredClone(input)), NOW, { hints })).toEqual(first);
      }),
      RUNS,
    );
  });

  it('asking for hints changes only hints and fix-the-email-field remedies, never the outcome or the checks', () => {
    fc.assert(
      fc.property(emailCaseArb, dirInputArb, (c, input) => {
        const off = email(c, input);
        const on = email(c, input, true);
        expect(off.hints).toEqual([]);
        expect(on.checks).toEqual(off.checks);
        expect(on.accounts).toEqual(off.accounts);
        expect(on.outcome).toBe(off.outcome);
        expect(on.remedies.filter((r) => r.code !== 'FIX_EMAIL_FIELD')).toEqual(off.remedies);
      }),
      RUNS,
    );
  });

  it('has checks E1..E7 in order; linked ⇒ every check passed or n/a; linked ⇔ accounts non-empty', () => {
    fc.assert(
      fc.property(emailCaseArb, dirInputArb, fc.boolean(), (c, input, hints) => {
        const d = email(c, input, hints);
        expect(d.checks.map((ch) => ch.rule)).toEqual(EMAIL_RULES);
        expect(d.outcome === 'linked').toBe(d.accounts.length > 0);
        expect(d.outcome).not.toBe('upcoming');
        if (d.outcome === 'linked') for (const ch of d.checks) expect(['pass', 'n/a']).toContain(ch.status);
        // Every linked account is explained by at least one end user of that account.
        for (const a of d.accounts) {
          expect(a.via.length).toBeGreaterThan(0);
          for (const v of a.via) expect(input.endUsers.some((u) => u.id === v.endUserId && u.accountId === a.id)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never links mail whose participants are all internal', () => {
    const internalCase = fc
      .record({
        from: fc.array(fc.constantFrom(...TEAM, 'x@ourco.com', 'y@eu.ourco.com'), { minLength: 1, maxLength: 1 }),
        to: fc.array(fc.constantFrom(...TEAM, 'x@ourco.com'), { minLength: 1, maxLength: 3 }),
      })
      .map(
        ({ from, to }): EmailCase => ({
          item: emailItem({ from, to }),
          sightings: [{ connection: connection(), folder: 'INBOX', at: at(T0, 1), seenAt: at(T0, 2) }],
        }),
      );
    fc.assert(
      fc.property(internalCase, dirInputArb, (c, input) => {
        const d = email(c, input);
        expect(d.outcome).toBe('not_linked');
        expect(d.checks.find((ch) => ch.rule === 'E6')?.code).toBe('E6_INTERNAL_ONLY');
      }),
      { numRuns: Math.ceil(RUNS.numRuns / 2) },
    );
  });
});

// ---------------------------------------------------------------- meeting properties

describe('meeting rules, for every occurrence and directory', () => {
  it('the case, whitespace or Unicode form of attendee and organizer addresses never changes the decision', () => {
    fc.assert(
      fc.property(meetingCaseArb, dirInputArb, spellingArb, (c, input, s) => {
        const o = c.occurrence;
        const respelled: MeetingCase = {
          ...c,
          occurrence: {
            ...o,
            organizer: o.organizer ? { address: respell(o.organizer.address, s, 7) } : null,
            attendees: o.attendees.map((a, i) => ({ ...a, address: respell(a.address, s, i) })),
          },
        };
        expect(summary(meeting(respelled, input))).toEqual(summary(meeting(c, input)));
        expect(meeting(respelled, input).accounts).toEqual(meeting(c, input).accounts);
      }),
      RUNS,
    );
  });

  it('adding an end user never unlinks an account, and blocklisting a domain never adds one', () => {
    fc.assert(
      fc.property(meetingCaseArb, dirInputArb, endUserArb, fc.constantFrom(...DOMAINS), (c, input, added, domain) => {
        const base = meeting(c, input);
        const more = meeting(c, { ...input, endUsers: [...input.endUsers, added] });
        const blocked = meeting(c, { ...input, blocklist: [...input.blocklist, { entry: domain, kind: 'domain' }] });
        expect(isSubset(linkedIds(base), linkedIds(more))).toBe(true);
        expect(isSubset(linkedIds(blocked), linkedIds(base))).toBe(true);
      }),
      RUNS,
    );
  });

  it('the order of attendees never changes which accounts are linked', () => {
    const arb = meetingCaseArb.chain((c) => {
      const n = c.occurrence.attendees.length;
      return fc.record({ c: fc.constant(c), order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }) });
    });
    fc.assert(
      fc.property(arb, dirInputArb, ({ c, order }, input) => {
        const reordered: MeetingCase = { ...c, occurrence: { ...c.occurrence, attendees: order.map((i) => c.occurrence.attendees[i]!) } };
        expect(linkedIds(meeting(reordered, input))).toEqual(linkedIds(meeting(c, input)));
        expect(meeting(reordered, input).outcome).toBe(meeting(c, input).outcome);
      }),
      RUNS,
    );
  });

  it('is deterministic and consistent: M1..M6 in order; linked ⇒ no failed check; linked ⇔ accounts; upcoming only before the start', () => {
    fc.assert(
      fc.property(meetingCaseArb, dirInputArb, fc.boolean(), (c, input, hints) => {
        const dir = new DirectoryIndex(input);
        const d = decideMeeting(c, dir, NOW, { hints });
        expect(decideMeeting(structuredClone(c), new DirectoryIndex(structuredClone(input)), NOW, { hints })).toEqual(d);
        expect(d.checks.map((ch) => ch.rule)).toEqual(MEETING_RULES);
        expect(d.outcome === 'linked').toBe(d.accounts.length > 0);
        if (d.outcome === 'linked') for (const ch of d.checks) expect(['pass', 'n/a']).toContain(ch.status);
        if (d.outcome === 'upcoming') {
          expect(c.occurrence.start.getTime()).toBeGreaterThan(NOW.getTime());
          expect(d.checks.filter((ch) => ch.status === 'fail').map((ch) => ch.code)).toEqual(['M3_NOT_STARTED']);
        }
        // Only accounts with an end user who ACCEPTED are linked.
        for (const a of d.accounts) for (const v of a.via) expect(v.partstat).toBe('ACCEPTED');
      }),
      RUNS,
    );
  });
});

describe('the sync path (codes first, details only when linked)', () => {
  it('decides exactly as the full-detail path, and keeps every detail of a linked email', () => {
    const cases = fc.oneof(fc.record({ c: emailCaseArb, input: dirInputArb }), crowdedArb);
    fc.assert(
      fc.property(cases, ({ c, input }) => {
        const dir = new DirectoryIndex(input);
        const full = decideEmail(c, dir, NOW);
        const fast = decideEmailForSync(c, dir, NOW);
        expect(summary(fast)).toEqual(summary(full));
        if (full.outcome === 'linked') expect(fast).toStrictEqual(full);
        // Byte for byte: a not-linked email is what the store keeps of the full decision, its codes
        // (store/codes-only-decision.ts redactDecision): no detail, remedy text or action, which
        // would name its participants and connections (docs/privacy).
        else
          expect(fast).toStrictEqual({
            ...full,
            checks: full.checks.map((ch) => ({ ...ch, detail: '' })),
            remedies: full.remedies.map((r) => ({ code: r.code, text: '' })),
          });
      }),
      RUNS,
    );
  });

  it('hands the sync a not-linked email without any of its addresses, in a decision nobody can change', () => {
    const cases = fc.oneof(fc.record({ c: emailCaseArb, input: dirInputArb }), crowdedArb);
    fc.assert(
      fc.property(cases, ({ c, input }) => {
        const fast = decideEmailForSync(c, new DirectoryIndex(input), NOW);
        if (fast.outcome === 'linked') return;
        expect(JSON.stringify(fast)).not.toContain('@');
        // Shared between emails with the same codes: frozen, so a consumer writing to it throws.
        expect(() => {
          (fast.checks[0] as { detail: string }).detail = 'changed';
        }).toThrow(TypeError);
        expect(() => fast.remedies.push({ code: 'X', text: '' })).toThrow(TypeError);
      }),
      RUNS,
    );
  });

  it('decides a meeting the same whatever was decided before it on the same directory (no state carried between decisions)', () => {
    fc.assert(
      fc.property(meetingCaseArb, meetingCaseArb, emailCaseArb, dirInputArb, (c, before, mail, input) => {
        const alone = decideMeetingForSync(c, new DirectoryIndex(input), NOW);
        const aloneFull = decideMeeting(c, new DirectoryIndex(input), NOW);
        const dir = new DirectoryIndex(input);
        decideMeeting(before, dir, NOW, { hints: true });
        decideEmail(mail, dir, NOW);
        expect(decideMeetingForSync(c, dir, NOW)).toStrictEqual(alone);
        decideMeetingForSync(before, dir, NOW);
        expect(decideMeeting(c, dir, NOW)).toStrictEqual(aloneFull);
        expect(decideMeetingForSync(c, dir, NOW)).toStrictEqual(alone);
      }),
      RUNS,
    );
  });

  it('decides meetings exactly as the full-detail path', () => {
    fc.assert(
      fc.property(meetingCaseArb, dirInputArb, (c, input) => {
        const dir = new DirectoryIndex(input);
        const full = decideMeeting(c, dir, NOW);
        const fast = decideMeetingForSync(c, dir, NOW);
        expect(summary(fast)).toEqual(summary(full));
        if (full.outcome === 'linked') expect(fast).toEqual(full);
        // Byte for byte: a meeting not linked keeps its codes, remedies and M4's detail when the
        // meeting was seen (written eagerly, it names the organizer); the other details are left out.
        const blank = (ch: Decision['checks'][number]) => (ch.rule === 'M4' && ch.code !== 'M4_NOT_SEEN' ? ch : { ...ch, detail: '' });
        expect(fast).toStrictEqual(full.outcome === 'linked' ? full : { ...full, checks: full.checks.map(blank) });
      }),
      RUNS,
    );
  });
});
