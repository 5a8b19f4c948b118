// The calendar is the source of truth for meetings (the meeting rules M1–M6, issue 3): an invitation
// or an acceptance that arrives by mail as a text/calendar part never creates or changes a
// meeting, even when its iCalendar says the customer accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedCodes, ics, meetingKeys, messageIds } from '../support/cli.js';
import {
  CalDavAccount,
  connectCalDavArgs,
  RadicaleServer,
  RecordingWorkspace,
  SERVER_SETUP_MS,
  setPasswordEnv,
} from '../support/caldav-server.js';

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-20T12:00:00Z';
const ALICE = 'alice@ourco.com';
const PASSWORD = 'invite-test-password-31';

/** A message with a text/plain and a text/calendar part (RFC 6047 iMIP). */
function invitationMail(o: { from: string; to: string; messageId: string; method: string; calendar: string }): string {
  return [
    `From: ${o.from}`,
    `To: ${o.to}`,
    'Date: Tue, 10 Mar 2026 09:00:00 +0000',
    `Message-ID: <${o.messageId}>`,
    `Subject: ${o.method === 'REPLY' ? 'Accepted' : 'Invitation'}: Acme roadmap`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See the calendar item.',
    '',
    '--b1',
    `Content-Type: text/calendar; charset=utf-8; method=${o.method}`,
    '',
    o.calendar.replace('VERSION:2.0\r\n', `VERSION:2.0\r\nMETHOD:${o.method}\r\n`),
    '--b1--',
    '',
  ].join('\r\n');
}

const w = new RecordingWorkspace(NOW, 'touchpoint-caldav-invites-');
let server: RadicaleServer;

beforeAll(async () => {
  server = await RadicaleServer.start({ users: { alice: PASSWORD } });
  const cal = new CalDavAccount(server, 'alice', PASSWORD);
  await cal.makeCalendar('work');
  // In the calendar: Jane has not answered.
  await cal.put(
    'work',
    'roadmap.ics',
    ics({
      uid: 'roadmap-1',
      start: '20260312T150000Z',
      summary: 'Acme roadmap',
      organizer: ALICE,
      attendees: [{ email: 'jane@acme.com', partstat: 'NEEDS-ACTION' }],
    }),
  );
  // By mail: Jane's acceptance of it (iTIP REPLY), and an invitation that is in no calendar.
  w.write(
    'mail/INBOX/reply.eml',
    invitationMail({
      from: 'jane@acme.com',
      to: ALICE,
      messageId: 'reply-1@acme.com',
      method: 'REPLY',
      calendar: ics({
        uid: 'roadmap-1',
        start: '20260312T150000Z',
        organizer: ALICE,
        attendees: [{ email: 'jane@acme.com', partstat: 'ACCEPTED' }],
      }),
    }),
  );
  w.write(
    'mail/INBOX/invite.eml',
    invitationMail({
      from: ALICE,
      to: 'jane@acme.com',
      messageId: 'invite-1@ourco.com',
      method: 'REQUEST',
      calendar: ics({
        uid: 'mail-only-1',
        start: '20260313T150000Z',
        organizer: ALICE,
        attendees: [{ email: 'jane@acme.com', partstat: 'ACCEPTED' }],
      }),
    }),
  );

  await w.init('cs-team', ['ourco.com']);
  await w.teammate(ALICE);
  await w.account('acme', 'Acme Corp');
  await w.users('account_id,email,name,external_id\nacme,jane@acme.com,Jane,');
  setPasswordEnv(w, 'CALDAV_PW', PASSWORD);
  await w.ok(connectCalDavArgs(server, { teammate: ALICE, user: 'alice', passwordEnv: 'CALDAV_PW', authorizedAt: AUTH }));
  await w.connect(ALICE, { mail: 'mail' }, AUTH);
  const s = await w.sync();
  expect(s.connections.map((c) => c.status)).toEqual(['active', 'active']);
}, SERVER_SETUP_MS);

afterAll(async () => {
  await server?.close();
  w.cleanup();
});

describe('invitations by mail are not meetings', () => {
  it('the mails themselves are customer emails, linked as emails', async () => {
    expect(messageIds(await w.timeline('acme'))).toEqual(['invite-1@ourco.com', 'reply-1@acme.com']);
  });

  it('an invitation found only in mail creates no meeting', async () => {
    const e = await w.explainMeeting('mail-only-1');
    expect(e.outcome).toBe('unknown');
    expect(meetingKeys(await w.timeline('acme'))).toEqual([]);
  });

  it("an acceptance by mail does not override the calendar: Jane's answer there is still no answer", async () => {
    const e = await w.explainMeeting('roadmap-1');
    expect(e.outcome).toBe('not_linked');
    expect(failedCodes(e)).toEqual(['M5_NOT_ACCEPTED']);
  });
});
