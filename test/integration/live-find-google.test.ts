// Issue 13, part 2: the live lookup through the official Google clients (@googleapis/gmail,
// @googleapis/calendar) against the Google emulator, which reads Gmail's search syntax
// (https://support.google.com/mail/answer/7190): rfc822msgid:, from:, to:, subject:(…),
// after:/before: in epoch seconds, spam and trash included; a query Gmail cannot read answers
// 400; a mailbox that does not answer in time is named. Calendar: events.list with iCalUID / q
// and timeMin/timeMax.
import { gmail } from '@googleapis/gmail';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FindCandidate } from '../../src/app/find-types.js';
import { liveFind } from '../../src/app/live-find.js';
import { googleSettings, googleTokensFor } from '../../src/providers/google/auth.js';
import { gmailQuery } from '../../src/providers/google/search.js';
import { createSecrets } from '../../src/secrets/secrets.js';
import { GoogleEmulator } from '../emulators/google.js';
import { eml } from '../support/cli.js';
import { googleEmulatorConfig, testConfig } from '../support/config.js';
import { liveWorkspace, type LiveWorkspace } from '../support/live-find.js';

vi.setConfig({ testTimeout: 30_000 });

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:03:00Z';
const g = new GoogleEmulator();
let w: LiveWorkspace;
let config: ReturnType<typeof testConfig>;
let gmailId = '';

const add = (id: string, subject: string, at: string, labels: string[], from = 'john@acme.com') =>
  g.addMessage(`g-${id}`, eml({ from, to: 'alice@ourco.com', date: at, messageId: id, subject, body: `Body of ${id}` }), at, labels);

const codes = (c: FindCandidate) => c.checks.filter((x) => x.status === 'fail').map((x) => x.code);
const unlimited = { take: () => ({ ok: true as const }) };
const find = (q: Parameters<ReturnType<typeof liveFind>['emails']>[0], timeoutMs?: number) =>
  liveFind(w.deps, { limiter: unlimited, viewer: 'alice@ourco.com', ...(timeoutMs ? { timeoutMs } : {}) }).emails(q);

beforeAll(async () => {
  await g.start();
  config = testConfig({ google: googleEmulatorConfig({ tokenUrl: g.tokenUrl, rootUrl: g.rootUrl }) });
  w = await liveWorkspace(NOW, config);
  add('inbox@acme.com', 'Renewal quote', '2026-03-05T09:00:00Z', ['INBOX', 'CATEGORY_PERSONAL']);
  add('spam@acme.com', 'Invoice question', '2026-03-06T09:00:00Z', ['SPAM']);
  add('trash@acme.com', 'Meeting notes', '2026-03-07T09:00:00Z', ['TRASH']);
  add('historic@acme.com', 'Kick-off agenda', '2025-11-10T09:00:00Z', ['INBOX']);
  add('other@acme.com', 'Renewal terms', '2026-03-05T10:00:00Z', ['INBOX'], 'kate@acme.com');
  const refresh = g.issueRefreshToken();
  gmailId = await w.connect({ provider: 'gmail', config: {}, secret: refresh, authorizedAt: AUTH, lastSyncAt: '2026-03-10T12:00:00Z' });
  await w.connect({ provider: 'google_calendar', config: {}, secret: refresh, authorizedAt: AUTH, mail: false, calendar: true });
  g.putEvent({
    id: 'ev-qbr',
    iCalUID: 'qbr-2026@google.com',
    status: 'confirmed',
    summary: 'Acme QBR',
    start: { dateTime: '2026-03-09T15:00:00Z' },
    end: { dateTime: '2026-03-09T16:00:00Z' },
    organizer: { email: 'alice@ourco.com', self: true },
    attendees: [
      { email: 'alice@ourco.com', responseStatus: 'accepted', self: true },
      { email: 'john@acme.com', responseStatus: 'accepted' },
    ],
  });
});

afterAll(async () => {
  await w?.close();
  await g.stop();
});

describe('Gmail live lookup', () => {
  it('sends Gmail search syntax: epoch seconds, subject words grouped, Message-ID exact', () => {
    expect(
      gmailQuery({
        from: 'john@acme.com',
        subject: 'Renewal (quote)',
        since: new Date('2026-03-05T00:00:00Z'),
        until: new Date('2026-03-06T00:00:00Z'),
      }),
    ).toBe('from:john@acme.com subject:(renewal quote) after:1772668800 before:1772755200');
    expect(gmailQuery({ messageId: 'inbox@acme.com' })).toBe('rfc822msgid:inbox@acme.com');
  });

  it('by sender and day: found in INBOX, with its labels, decided as usual', async () => {
    const [c, ...rest] = await find({ from: 'john@acme.com', since: '2026-03-05T00:00:00Z', until: '2026-03-06T00:00:00Z' });
    expect(rest).toEqual([]);
    expect(c!.messageId).toBe('inbox@acme.com');
    expect(c!.where).toEqual([
      { connection: gmailId, teammate: 'alice@ourco.com', folder: 'INBOX', labels: ['INBOX', 'CATEGORY_PERSONAL'] },
    ]);
    expect(c!.checks[0]!.code).toBe('E1_LIVE_IN_SYNCED_FOLDER');
    expect(c!.outcome).toBe('linked');
    expect(g.log.some((l) => l.includes('includeSpamTrash=true'))).toBe(true);
  });

  it('by subject words: in Spam → Junk answer; in Trash → Trash answer', async () => {
    const [spam] = await find({ subject: 'invoice question' });
    expect(spam!.where[0]!.folder).toBe('SPAM');
    expect(codes(spam!)).toEqual(['E1_LIVE_IN_JUNK']);
    const [trash] = await find({ subject: 'notes', from: 'john@acme.com' });
    expect(codes(trash!)).toEqual(['E1_LIVE_IN_TRASH']);
    expect(trash!.remedyCodes).toContain('RESTORE_FROM_TRASH');
  });

  it('subject words must all match: "renewal quote" is not "Renewal terms"', async () => {
    const found = await find({ subject: 'renewal quote' });
    expect(found.map((c) => c.messageId)).toEqual(['inbox@acme.com']);
  });

  it('by Message-ID (rfc822msgid:), and historic mail with both dates', async () => {
    const [c] = await find({ messageId: 'historic@acme.com' });
    expect(codes(c!)).toEqual(['E2_HISTORIC']);
    expect(c!.checks.find((x) => x.code === 'E2_HISTORIC')!.detail).toContain('2025-11-10T09:00:00.000Z');
  });

  it("a query Gmail cannot read is refused 400 invalidArgument (the emulator, through Google's client)", async () => {
    const secrets = createSecrets(config.secretKey);
    const tokens = googleTokensFor({ secretEnc: secrets.encrypt(g.issueRefreshToken()), secrets }, googleSettings(config.google));
    await tokens.ensureFresh();
    const api = gmail({ version: 'v1', auth: tokens.client, rootUrl: g.rootUrl, retry: false });
    const ok = await api.users.messages.list({ userId: 'me', q: 'from:kate@acme.com subject:(renewal)' });
    expect(ok.data.messages?.map((m) => m.id)).toEqual(['g-other@acme.com']);
    await expect(api.users.messages.list({ userId: 'me', q: 'subject:(renewal' })).rejects.toMatchObject({
      status: 400,
      message: 'Invalid query',
    });
    await expect(api.users.messages.list({ userId: 'me', q: 'after:yesterday' })).rejects.toMatchObject({ status: 400 });
  });

  it('a mailbox that does not answer in time is named, never failing the lookup', async () => {
    g.stallSearchMs = 3_000;
    try {
      const [c] = await find({ from: 'john@acme.com' }, 1_000);
      expect(c!.outcome).toBe('unknown');
      expect(codes(c!)).toEqual(['E1_LIVE_NOT_ASKED']);
      expect(c!.checks[0]!.detail).toContain('did not answer within 1 s');
      expect(c!.remedyCodes).toEqual(['ASK_AGAIN_LATER']);
    } finally {
      g.stallSearchMs = 0;
    }
  });

  it('a refused request names the connection and what Google said', async () => {
    g.failNext.push({ status: 400, body: { error: { code: 400, message: 'Invalid query', errors: [{ reason: 'invalidArgument' }] } } });
    const [c] = await find({ from: 'john@acme.com' });
    expect(codes(c!)).toEqual(['E1_LIVE_NOT_ASKED']);
    expect(c!.checks[0]!.detail).toContain('Invalid query');
  });
});

describe('Google Calendar live lookup', () => {
  it('by title words within the range (events.list q, timeMin/timeMax)', async () => {
    const lf = liveFind(w.deps, { limiter: unlimited, viewer: 'alice@ourco.com' });
    const [c] = await lf.meetings({ title: 'qbr', since: '2026-03-09T00:00:00Z', until: '2026-03-10T00:00:00Z' });
    expect(c!.uid).toBe('qbr-2026@google.com');
    expect(c!.checks[0]!.code).toBe('M1_LIVE_IN_SYNCED_CALENDAR');
    expect(c!.outcome).toBe('linked');
    expect(c!.subject).toBe('Acme QBR');
    const outside = await lf.meetings({ title: 'qbr', since: '2026-03-10T00:00:00Z', until: '2026-03-11T00:00:00Z' });
    expect(outside[0]!.checks.map((x) => x.code)).toEqual(['M1_LIVE_NOT_FOUND']);
  });

  it('by UID (iCalUID) and by attendee', async () => {
    const lf = liveFind(w.deps, { limiter: unlimited });
    expect((await lf.meetings({ uid: 'qbr-2026@google.com' }))[0]!.date).toBe('2026-03-09T15:00:00.000Z');
    expect((await lf.meetings({ attendee: 'john@acme.com' }))[0]!.uid).toBe('qbr-2026@google.com');
    expect(g.log.some((l) => l.includes('iCalUID=qbr-2026'))).toBe(true);
  });
});
