// Gmail's per-user rate limit (250 quota units a second; messages.get 5, messages.list 5,
// history.list 2; a batch costs the sum of its parts), on in the emulator as on Gmail, through
// the official client and the real OAuth2Client: the quota refuses parts of the sync's own
// batches (403 userRateLimitExceeded, no Retry-After) and the sync sends them again until every
// message is read — an initial listing twelve times the bucket, history after a push, and the
// re-reads of a directory change. Nothing may be lost, and nothing reported unavailable.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addEndUser } from '../../src/app/directory-changes.js';
import { GoogleTokens } from '../../src/providers/google/auth.js';
import { batchGetSettled } from '../../src/providers/google/gmail-batch.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { GoogleEmulator } from '../emulators/google.js';
import { GMAIL_USER_QUOTA } from '../emulators/gmail-quota.js';
import { eml } from '../support/cli.js';
import { googleEmulatorConfig, testConfig } from '../support/config.js';
import { liveWorkspace, type LiveWorkspace } from '../support/live-find.js';

vi.setConfig({ testTimeout: 240_000 });

const AUTH = '2026-03-01T00:00:00Z';
const INITIAL = 600;
const g = new GoogleEmulator();
let w: LiveWorkspace;
let connId = '';

const mail = (n: number, from: string) =>
  eml({ from, to: 'alice@ourco.com', date: '2026-03-05T10:00:00Z', messageId: `q${n}@acme.com`, body: `body ${n}` });
const add = (n: number, from = `sender${n}@acme.com`) =>
  g.addMessage(`q${n}`, mail(n, from), new Date(Date.UTC(2026, 2, 5, 10, 0, 0, n)).toISOString());

beforeAll(async () => {
  await g.start();
  w = await liveWorkspace(
    '2026-03-10T12:00:00Z',
    testConfig({ google: googleEmulatorConfig({ tokenUrl: g.tokenUrl, rootUrl: g.rootUrl }) }),
  );
});
afterAll(async () => {
  await w.close();
  await g.stop();
});

describe("Gmail's per-user quota (250 units a second)", () => {
  it('the emulator charges a batch part by part: from a full bucket of 250 units, 50 of 100 messages.get pass', async () => {
    for (let n = 0; n < 100; n++) add(90_000 + n);
    // Refilled at 1 unit a second for this check, so that a slow machine (the parts run one after
    // another) does not pay for more parts while they run; 250 units saved up, as by default.
    g.setUserQuota({ unitsPerSecond: 1, burstUnits: GMAIL_USER_QUOTA.burstUnits });
    try {
      const tokens = new GoogleTokens({ clientId: 'cid', clientSecret: 'secret', tokenUrl: g.tokenUrl }, g.issueRefreshToken());
      const once = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined };
      const ids = Array.from({ length: 100 }, (_, n) => `q${90_000 + n}`);
      const got = await batchGetSettled(
        { tokens, rootUrl: g.rootUrl, retry: once },
        ids,
        (id) => `/gmail/v1/users/me/messages/${id}?format=minimal`,
      );
      const refused = ids.filter((id) => got.get(id) instanceof Error);
      // 250 units pay for 50 parts at 5 (a few more if some seconds passed while they ran).
      expect(refused.length).toBeGreaterThanOrEqual(45);
      expect(refused.length).toBeLessThanOrEqual(50);
      expect(ids.slice(0, 45).every((id) => !(got.get(id) instanceof Error))).toBe(true); // in order: the first are paid for
      expect((got.get(refused[0]!) as Error & { code?: string }).code).toBe('THROTTLED');
    } finally {
      g.setUserQuota(GMAIL_USER_QUOTA);
      for (let n = 0; n < 100; n++) g.deleteMessage(`q${90_000 + n}`);
    }
  });

  it(`an initial sync of ${INITIAL.toLocaleString('en-US')} messages, then history after new mail, reads every message once`, async () => {
    for (let n = 0; n < INITIAL; n++) add(n, n % 10 === 0 ? 'zed@prospect.example' : `sender${n}@acme.com`);
    const refusedBefore = g.userQuota!.refused;
    connId = await w.connect({ provider: 'gmail', config: {}, secret: g.issueRefreshToken(), authorizedAt: AUTH });
    const [first] = await syncAll(w.deps, connId);
    expect(first?.failure ?? null).toBeNull();
    expect(first?.mail).toMatchObject({ seen: INITIAL });
    // 3,000 units of messages.get against a bucket of 250 filled at 250 a second: the quota did
    // refuse parts, and they were sent again.
    expect(g.userQuota!.refused).toBeGreaterThan(refusedBefore);
    for (let n = INITIAL; n < INITIAL + 100; n++) add(n);
    const [second] = await syncAll(w.deps, connId);
    expect(second?.failure ?? null).toBeNull();
    expect(second?.mail).toMatchObject({ seen: 100 });
    expect(g.log.some((l) => l.startsWith('GET /gmail/v1/users/me/history?'))).toBe(true);
  });

  it("a directory change's re-reads (raw, 5 units each) link every not-linked email, none unavailable", async () => {
    const added = await addEndUser(w.deps, { accountId: 'acme', email: 'zed@prospect.example', source: 'manual' });
    expect(added.unavailable).toBe(0);
    expect(added.linked).toHaveLength(INITIAL / 10);
  });
});
