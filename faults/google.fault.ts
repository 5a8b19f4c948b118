// Google faults against the emulator, through the real client libraries and the CLI:
// Gmail history expired (404) and Calendar sync token gone (410) between syncs, and a
// throttling storm — every API request answered 429, 503 or 403 rateLimitExceeded for a
// minute (5 s with FAULT_QUICK=1) while new mail and meetings arrive. Recovery is what
// the scheduler does: another sync every 10 seconds until one succeeds.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GoogleEmulator } from '../test/emulators/google.js';
import { eml, Workspace } from '../test/support/cli.js';
import { TEST_SECRET_KEY } from '../test/support/imap.js';
import { allHealthy, emailCensus, meetingCensus, QUICK, record } from './ledger.js';
import { sleep, syncSucceeded } from './support.js';

const NOW = '2026-03-20T12:00:00Z';
const N = QUICK ? 150 : 600;
const STORM_MS = QUICK ? 5_000 : 60_000;
const g = new GoogleEmulator();
const w = new Workspace(NOW, 'tp-fault-google-');
const mailIds: string[] = [];
const meetingKeys: string[] = [];

function addMail(prefix: string, n: number, from: Date): void {
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${i}@mail.test`;
    const at = new Date(from.getTime() + i * 60_000).toISOString();
    g.addMessage(
      `g-${id}`,
      eml({
        from: i % 10 === 0 ? 'john@acme.com' : `someone${i}@elsewhere.org`,
        to: 'alice@ourco.com',
        date: at,
        messageId: id,
        body: `body ${i}`,
      }),
      at,
      i % 7 === 0 ? ['INBOX', 'IMPORTANT'] : ['INBOX'],
    );
    mailIds.push(id);
  }
}

function addMeetings(prefix: string, n: number, from: Date): void {
  for (let i = 0; i < n; i++) {
    const start = new Date(from.getTime() + i * 3600_000);
    g.putEvent({
      id: `${prefix}${i}`,
      iCalUID: `${prefix}-${i}@google.com`,
      status: 'confirmed',
      summary: `${prefix} ${i}`,
      start: { dateTime: start.toISOString(), timeZone: 'UTC' },
      end: { dateTime: new Date(start.getTime() + 1800_000).toISOString(), timeZone: 'UTC' },
      organizer: { email: 'alice@ourco.com', self: true },
      attendees: [{ email: 'john@acme.com', responseStatus: 'accepted' }],
    });
    meetingKeys.push(`${prefix}-${i}@google.com@${start.toISOString()}`);
  }
}

/** Syncs every `everyMs` until every connection is active; returns how many syncs it took. */
async function syncUntilHealthy(everyMs: number, max: number): Promise<number> {
  for (let i = 1; i <= max; i++) {
    const r = await w.run(['sync', '--json']);
    if (syncSucceeded(r)) return i;
    await sleep(everyMs);
  }
  return max;
}

async function census(scenario: string, faults: string): Promise<void> {
  const mail = await emailCensus(w.db, mailIds);
  const meet = await meetingCensus(w.db, meetingKeys);
  record(
    {
      scenario,
      faults,
      expected: mailIds.length + meetingKeys.length,
      stored: mail.stored + meet.stored,
      duplicates: mail.duplicates + meet.duplicates,
      lost: mail.lost + meet.lost,
      healthy: await allHealthy(w.db),
    },
    { ...mail, missing: [...mail.missing, ...meet.missing] },
  );
}

beforeAll(async () => {
  await g.start();
  Object.assign(process.env, {
    TOUCHPOINT_SECRET_KEY: TEST_SECRET_KEY,
    TOUCHPOINT_GOOGLE_CLIENT_ID: 'test-client.apps.googleusercontent.com',
    TOUCHPOINT_GOOGLE_CLIENT_SECRET: 'test-client-secret',
    TOUCHPOINT_GOOGLE_TOKEN_URL: g.tokenUrl,
    TOUCHPOINT_GOOGLE_ROOT_URL: g.rootUrl,
    FAULT_GOOGLE_TOKEN: g.issueRefreshToken(),
  });
  await w.init();
  await w.teammate('alice@ourco.com');
  await w.account('acme');
  await w.ok(['user', 'add', '--account', 'acme', '--email', 'john@acme.com']);
  for (const kind of ['gmail', 'google-calendar']) {
    await w.ok([
      'connect',
      kind,
      '--teammate',
      'alice@ourco.com',
      '--token-env',
      'FAULT_GOOGLE_TOKEN',
      '--authorized-at',
      '2026-03-01T00:00:00Z',
      '--page-size',
      '50',
    ]);
  }
  addMail('first', N, new Date('2026-03-02T00:00:00Z'));
  addMeetings('m1', N / 5, new Date('2026-03-02T09:00:00Z'));
  await syncUntilHealthy(0, 1);
}, 600_000);

afterAll(async () => {
  await g.stop();
  w.cleanup();
});

describe('Google faults', () => {
  it('Gmail history expired (404) and Calendar sync token gone (410) between syncs', async () => {
    addMail('expired', N / 2, new Date('2026-03-08T00:00:00Z'));
    addMeetings('m2', N / 10, new Date('2026-03-09T09:00:00Z'));
    g.expireHistory();
    g.expireSyncTokens();
    await syncUntilHealthy(0, 3);
    await census(
      'Gmail 404 history expired + Calendar 410 sync token gone',
      'both cursors expired with new items pending; bounded re-listing since authorizedAt',
    );
  });

  it(`every request answered 429 / 503 / 403 rateLimitExceeded for ${STORM_MS / 1000} s`, async () => {
    addMail('storm', N / 2, new Date('2026-03-12T00:00:00Z'));
    addMeetings('m3', N / 10, new Date('2026-03-13T09:00:00Z'));
    g.stormRetryAfter = '2';
    g.stormFor = STORM_MS;
    const before = g.throttled;
    const syncs = await syncUntilHealthy(10_000, 30);
    await census(
      `throttling storm, ${STORM_MS / 1000} s`,
      `${g.throttled - before} requests refused; healthy after ${syncs} syncs 10 s apart`,
    );
  });
});
