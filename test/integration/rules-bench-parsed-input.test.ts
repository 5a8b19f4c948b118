// The rules benchmark times its pools with freshly parsed address strings (bench/rules-parsed.ts),
// as a sync sees them. That must change nothing but the strings' identity: the same content,
// the same decisions, and the pool's own strings back after each page. No timing is asserted.
import { describe, expect, it } from 'vitest';
import { DirectoryIndex, type DirectoryInput } from '../../src/directory/index.js';
import { decideEmail } from '../../src/rules/decide-email.js';
import { decideMeeting } from '../../src/rules/decide-meeting.js';
import { NOW, buildEmails, buildMeetings, connections, type buildInput } from '../../bench/rules-fixtures.js';
import { ParsedPage, asParsed, emailAddresses, meetingAddresses } from '../../bench/rules-parsed.js';

function smallDirectory(): ReturnType<typeof buildInput> {
  const accounts = [0, 1, 2].map((a) => ({ id: `a${a}`, name: `Account ${a}` }));
  const distinct = Array.from({ length: 600 }, (_, i) => `${i.toString(36)}@c${i % 3}.io`);
  const endUsers = distinct.map((email, i) => ({ id: `u${i}`, accountId: `a${i % 3}`, email, source: 'manual' }));
  const shared = distinct.slice(0, 30);
  for (const [i, email] of shared.entries()) endUsers.push({ id: `s${i}`, accountId: `a${(i + 1) % 3}`, email, source: 'manual' });
  const blockedSample = distinct.slice(30, 40);
  const input: DirectoryInput = {
    internalDomains: ['ourco.com', 'ourco.io', 'ourco-eu.com'],
    teammates: Array.from({ length: 50 }, (_, t) => ({
      id: `t${t}`,
      email: `t${t}@ourco.com`,
      aliases: [`t${t}@ourco.io`, `csm${t}@ourco-eu.com`],
    })),
    accounts,
    endUsers,
    blocklist: blockedSample.map((entry) => ({ entry, kind: 'address' as const })),
  };
  return { input, distinct, shared, blockedSample };
}

const addressesOf = <T>(items: readonly T[], of: (c: T, out: { address: string }[]) => void): string[] => {
  const out: { address: string }[] = [];
  for (const c of items) of(c, out);
  return out.map((a) => a.address);
};

describe('the rules benchmark’s parsed input', () => {
  it('asParsed keeps the content, ASCII or not', () => {
    for (const s of ['a@b.io', ' MIXED@Case.IO ', 'zoë@exämple.de', '']) expect(asParsed(s)).toBe(s);
  });

  const d = smallDirectory();
  const dir = new DirectoryIndex(d.input);
  const conns = connections();
  const emails = buildEmails(d, conns).pool.slice(0, 1_500);
  const meetings = buildMeetings(d, conns).slice(0, 1_500);

  it('decides a parsed page of emails exactly as the pool as built, and puts the pool’s strings back', () => {
    const before = addressesOf(emails, emailAddresses);
    const expected = emails.map((c) => decideEmail(c, dir, NOW));
    const page = new ParsedPage(emailAddresses);
    // A page that wraps round the end of the pool, as the benchmark's passes do.
    page.parse(emails, 1_000, 1_000);
    const got = emails.map((c) => decideEmail(c, dir, NOW));
    page.restore();
    expect(got).toEqual(expected);
    expect(addressesOf(emails, emailAddresses)).toEqual(before);
  });

  it('decides a parsed page of meetings exactly as the pool as built, and puts the pool’s strings back', () => {
    const before = addressesOf(meetings, meetingAddresses);
    const expected = meetings.map((c) => decideMeeting(c, dir, NOW));
    const page = new ParsedPage(meetingAddresses);
    page.parse(meetings, 0, meetings.length);
    const got = meetings.map((c) => decideMeeting(c, dir, NOW));
    page.restore();
    expect(got).toEqual(expected);
    expect(addressesOf(meetings, meetingAddresses)).toEqual(before);
  });
});
