// Issue 13, part 2: the live lookup through Microsoft's Graph client against the Microsoft
// emulator: GET /me/messages across every folder with $filter (from, recipients, received
// dates, internetMessageId) or $search (KQL, when words of the subject are asked — never both:
// Graph answers 400), folder names from parentFolderId; meetings from calendarView.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FindCandidate } from '../../src/app/find-types.js';
import { liveFind } from '../../src/app/live-find.js';
import { microsoftTokensFor } from '../../src/providers/microsoft/auth.js';
import { graphClient } from '../../src/providers/microsoft/graph-client.js';
import { graphQuery } from '../../src/providers/microsoft/search.js';
import { microsoftSettings } from '../../src/providers/microsoft/settings.js';
import { createSecrets } from '../../src/secrets/secrets.js';
import { MicrosoftEmulator } from '../emulators/microsoft.js';
import { microsoftEmulatorConfig, testConfig } from '../support/config.js';
import { liveWorkspace, type LiveWorkspace } from '../support/live-find.js';

vi.setConfig({ testTimeout: 30_000 });

const AUTH = '2026-03-01T00:00:00Z';
const NOW = '2026-03-10T12:03:00Z';
const ms = new MicrosoftEmulator();
let w: LiveWorkspace;
let config: ReturnType<typeof testConfig>;
let connId = '';

const add = (id: string, folder: string, subject: string, at: string, from = 'john@acme.com') =>
  ms.addMessage({ id: `m-${id}`, folder, internetMessageId: id, subject, from, to: ['alice@ourco.com'], receivedDateTime: at });

const codes = (c: FindCandidate) => c.checks.filter((x) => x.status === 'fail').map((x) => x.code);
const unlimited = { take: () => ({ ok: true as const }) };
const find = (q: Parameters<ReturnType<typeof liveFind>['emails']>[0], timeoutMs?: number) =>
  liveFind(w.deps, { limiter: unlimited, viewer: 'alice@ourco.com', ...(timeoutMs ? { timeoutMs } : {}) }).emails(q);

beforeAll(async () => {
  await ms.start();
  config = testConfig({ microsoft: microsoftEmulatorConfig({ authority: ms.authority, graphBaseUrl: ms.graphBaseUrl }) });
  w = await liveWorkspace(NOW, config);
  // A folder of the user's, left out of this connection's sync by its exclude setting.
  add('filed@acme.com', ms.createFolder('Customers'), 'Renewal quote', '2026-03-05T09:00:00Z');
  add('junk@acme.com', 'junkemail', 'Invoice question', '2026-03-06T09:00:00Z');
  add('deleted@acme.com', 'deleteditems', 'Meeting notes', '2026-03-07T09:00:00Z');
  add('inbox@acme.com', 'inbox', 'Weekly update', '2026-03-04T09:00:00Z');
  connId = await w.connect({
    provider: 'graph',
    config: { excludeFolders: ['Customers'] },
    secret: ms.issueRefreshToken(),
    authorizedAt: AUTH,
    lastSyncAt: '2026-03-10T12:00:00Z',
    calendar: true,
  });
  ms.putEvent({
    id: 'ev-qbr',
    iCalUId: 'qbr-graph-uid',
    type: 'singleInstance',
    subject: 'Acme QBR',
    start: { dateTime: '2026-03-09T15:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-03-09T16:00:00.0000000', timeZone: 'UTC' },
    isAllDay: false,
    isCancelled: false,
    isOrganizer: true,
    organizer: { emailAddress: { address: 'alice@ourco.com', name: 'Alice' } },
    attendees: [{ type: 'required', status: { response: 'accepted' }, emailAddress: { address: 'john@acme.com', name: 'John' } }],
  });
});

afterAll(async () => {
  await w?.close();
  await ms.stop();
});

describe('Graph mail live lookup', () => {
  it('asks $filter for addresses and dates, $search (KQL) for subject words — never both', () => {
    expect(graphQuery({ from: "o'neil@acme.com", since: new Date('2026-03-05T00:00:00Z') })).toEqual({
      filter: "receivedDateTime ge 2026-03-05T00:00:00.000Z and from/emailAddress/address eq 'o''neil@acme.com'",
    });
    expect(graphQuery({ from: 'john@acme.com', subject: 'Renewal quote' })).toEqual({
      search: '"subject:renewal AND subject:quote AND from:john@acme.com"',
    });
  });

  it('by sender and day ($filter): in folder "Customers", which the connection does not sync', async () => {
    const [c, ...rest] = await find({ from: 'john@acme.com', since: '2026-03-05T00:00:00Z', until: '2026-03-06T00:00:00Z' });
    expect(rest).toEqual([]);
    expect(c!.where).toEqual([{ connection: connId, teammate: 'alice@ourco.com', folder: 'Customers' }]);
    expect(codes(c!)).toEqual(['E1_LIVE_FOLDER_NOT_SYNCED']);
    expect(c!.remedyCodes).toContain('INCLUDE_FOLDER');
    expect(ms.log.some((l) => l.path.startsWith('/v1.0/me/messages?') && /(\$|%24)filter=/.test(l.path))).toBe(true);
  });

  it('by subject words ($search): Junk Email and Deleted Items answered as Junk and Trash', async () => {
    const [junk] = await find({ subject: 'invoice' });
    expect(junk!.where[0]!.folder).toBe('Junk Email');
    expect(codes(junk!)).toEqual(['E1_LIVE_IN_JUNK']);
    const [trash] = await find({ subject: 'meeting notes', from: 'john@acme.com' });
    expect(trash!.where[0]!.folder).toBe('Deleted Items');
    expect(codes(trash!)).toEqual(['E1_LIVE_IN_TRASH']);
  });

  it('by Message-ID: in the Inbox, synced, decided as usual', async () => {
    const [c] = await find({ messageId: 'inbox@acme.com' });
    expect(c!.where[0]!.folder).toBe('Inbox');
    expect(c!.checks[0]!.code).toBe('E1_LIVE_IN_SYNCED_FOLDER');
    expect(c!.outcome).toBe('linked');
  });

  it("Graph's own errors, through Microsoft's client: $search with $filter or $orderby, a bad $filter", async () => {
    const secrets = createSecrets(config.secretKey);
    const tokens = microsoftTokensFor({ secretEnc: secrets.encrypt(ms.issueRefreshToken()), secrets }, microsoftSettings(config.microsoft));
    const client = graphClient(tokens, ms.graphBaseUrl);
    await expect(
      client.api('me/messages').search('"subject:renewal"').filter("from/emailAddress/address eq 'john@acme.com'").get(),
    ).rejects.toMatchObject({ statusCode: 400, code: 'SearchWithFilter' });
    await expect(client.api('me/messages').search('"subject:renewal"').orderby('receivedDateTime desc').get()).rejects.toMatchObject({
      statusCode: 400,
      code: 'SearchWithOrderBy',
    });
    await expect(client.api('me/messages').filter('subject has renewal').get()).rejects.toMatchObject({
      statusCode: 400,
      code: 'BadRequest',
    });
  });

  it('a mailbox that does not answer in time is named', async () => {
    ms.stallSearchMs = 3_000;
    try {
      const [c] = await find({ from: 'john@acme.com' }, 1_000);
      expect(codes(c!)).toEqual(['E1_LIVE_NOT_ASKED']);
      expect(c!.checks[0]!.detail).toContain('did not answer within 1 s');
    } finally {
      ms.stallSearchMs = 0;
    }
  });
});

describe('Graph calendar live lookup', () => {
  it('a meeting found by time range and title (calendarView)', async () => {
    const lf = liveFind(w.deps, { limiter: unlimited, viewer: 'alice@ourco.com' });
    const [c] = await lf.meetings({ title: 'QBR', since: '2026-03-09T00:00:00Z', until: '2026-03-10T00:00:00Z' });
    expect(c!.uid).toBe('qbr-graph-uid');
    expect(c!.where[0]!.connection).toBe(connId);
    expect(c!.outcome).toBe('linked');
    expect(ms.log.some((l) => l.path.startsWith('/v1.0/me/calendarView?'))).toBe(true);
  });
});
