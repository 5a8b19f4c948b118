// GmailMailSource.fetchMany against the Google emulator, through the official client and the
// real OAuth2Client: a directory change's page of re-reads goes as batches of up to 100
// messages.get format=raw. Each ref's outcome must be what fetch gives for it alone: the
// message, null when it is gone (a 404 part), the parser's error for a malformed message; a
// throttled part is sent again, not reported gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailItem } from '../../src/domain/items.js';
import { addEndUser } from '../../src/app/directory-changes.js';
import { GoogleTokens } from '../../src/providers/google/auth.js';
import { GmailMailSource } from '../../src/providers/google/gmail-mail-source.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { GoogleEmulator, googleErrorBody } from '../emulators/google.js';
import { GMAIL_USER_QUOTA } from '../emulators/gmail-quota.js';
import { eml } from '../support/cli.js';
import { googleEmulatorConfig, testConfig } from '../support/config.js';
import { liveWorkspace } from '../support/live-find.js';

const AUTH = '2026-03-01T00:00:00Z';
const g = new GoogleEmulator();
const waits: number[] = [];
// No jitter (random 0): the waits are exactly what the provider asked.
const retry = {
  maxAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 60_000,
  sleep: async (ms: number) => void waits.push(ms),
  random: () => 0,
};
let source: GmailMailSource;

const mail = (n: number, from = `sender${n}@acme.com`) =>
  eml({ from, to: 'alice@ourco.com', date: '2026-03-05T10:00:00Z', messageId: `m${n}@acme.com`, body: `body ${n}` });
/** None of From, To, Date or Message-ID: the parser refuses it. */
const MALFORMED = 'X-Note: not a message\r\n\r\nnothing to read here\r\n';

const messageIds = (xs: unknown[]) => xs.map((x) => (x === null ? null : x instanceof Error ? 'error' : (x as EmailItem).messageId));

beforeAll(async () => {
  await g.start();
  for (let n = 0; n < 230; n++) g.addMessage(`g${n}`, mail(n), new Date(Date.UTC(2026, 2, 5, 10, 0, n)).toISOString());
  g.addMessage('bad', MALFORMED, '2026-03-05T10:00:00Z');
  const tokens = new GoogleTokens({ clientId: 'cid', clientSecret: 'secret', tokenUrl: g.tokenUrl }, g.issueRefreshToken());
  source = new GmailMailSource({ tokens, authorizedAt: new Date(AUTH), rootUrl: g.rootUrl, retry });
});
afterAll(() => g.stop());

describe('GmailMailSource.fetchMany', () => {
  it('reads refs in one batch, in order: a deleted message is null and a malformed one an error, as fetch says', async () => {
    g.addMessage('gone', mail(900), '2026-03-05T10:00:00Z');
    g.deleteMessage('gone');
    g.batches.length = 0;
    const refs = ['g3', 'gone', 'bad', 'g1', 'g2'];
    const many = await source.fetchMany(refs);
    expect(messageIds(many)).toEqual(['m3@acme.com', null, 'error', 'm1@acme.com', 'm2@acme.com']);
    // format=full for the five, then the malformed one alone as format=raw: its outcome is the
    // parser's error for the whole message, as fetch's is (gmail-full-body.ts).
    expect(g.batches).toEqual([5, 1]);
    expect((many[0] as EmailItem).text?.trim()).toBe('body 3');
    // Each outcome is fetch's own for that ref (the malformed one: the error fetch throws).
    const one = [];
    for (const r of refs) one.push(await source.fetch(r).catch((e: unknown) => e));
    expect(many).toEqual(one);
    expect((many[2] as Error).message).toBe((one[2] as Error).message);
  });

  it('reads more refs than one batch holds, every one in order (batches of 100)', async () => {
    g.batches.length = 0;
    // Exact batch counts and a fake sleep: without the per-user quota (the re-link below has it).
    g.setUserQuota(null);
    try {
      const refs = Array.from({ length: 230 }, (_, n) => `g${229 - n}`);
      const many = await source.fetchMany(refs);
      expect(messageIds(many)).toEqual(Array.from({ length: 230 }, (_, n) => `m${229 - n}@acme.com`));
      expect([...g.batches].sort((a, b) => b - a)).toEqual([100, 100, 30]);
    } finally {
      g.setUserQuota(GMAIL_USER_QUOTA);
    }
  });

  it('a throttled part is read again after its Retry-After, not reported gone', async () => {
    g.batches.length = 0;
    waits.length = 0;
    // The emulator answers queued errors per part, in order: the first part is the throttled one.
    g.failNext.push({
      status: 429,
      body: googleErrorBody(429, 'rateLimitExceeded', 'Too many requests', 'usageLimits'),
      headers: { 'retry-after': '3' },
    });
    const many = await source.fetchMany(['g10', 'g11']);
    expect(messageIds(many)).toEqual(['m10@acme.com', 'm11@acme.com']);
    expect(waits).toEqual([3_000]);
    expect(g.batches).toEqual([2, 1]);
  });

  it("a part's own error fails its ref only: the batch's other refs are read", async () => {
    // The emulator answers queued errors per part, in order: the first part gets this one.
    g.failNext.push({ status: 400, body: googleErrorBody(400, 'failedPrecondition', 'Precondition check failed.', 'global') });
    const many = await source.fetchMany(['g30', 'g31', 'g32']);
    expect(messageIds(many)).toEqual(['error', 'm31@acme.com', 'm32@acme.com']);
  });

  it('refs throttled past the retry budget are errors (THROTTLED), not gone', async () => {
    // Throttled on every attempt (3): the batch gives up THROTTLED; its refs are errors, not gone.
    for (let i = 0; i < 6; i++)
      g.failNext.push({
        status: 429,
        body: googleErrorBody(429, 'rateLimitExceeded', 'Too many requests', 'usageLimits'),
        headers: { 'retry-after': '1' },
      });
    const many = await source.fetchMany(['g20', 'g21']);
    expect(messageIds(many)).toEqual(['error', 'error']);
    expect((many[0] as Error & { code?: string }).code).toBe('THROTTLED');
  });

  it('a directory change re-links every not-linked email of a Gmail mailbox in batches of up to 100', async () => {
    const z = new GoogleEmulator();
    await z.start();
    const w = await liveWorkspace(
      '2026-03-10T12:00:00Z',
      testConfig({ google: googleEmulatorConfig({ tokenUrl: z.tokenUrl, rootUrl: z.rootUrl }) }),
    );
    try {
      for (let n = 0; n < 150; n++)
        z.addMessage(`z${n}`, mail(1000 + n, 'zed@prospect.example'), new Date(Date.UTC(2026, 2, 5, 10, 0, n)).toISOString());
      const connId = await w.connect({ provider: 'gmail', config: {}, secret: z.issueRefreshToken(), authorizedAt: AUTH });
      const [synced] = await syncAll(w.deps, connId);
      expect(synced?.mail).toMatchObject({ seen: 150, notLinked: 150 });
      z.batches.length = 0;
      const added = await addEndUser(w.deps, { accountId: 'acme', email: 'zed@prospect.example', source: 'manual' });
      expect(added.unavailable).toBe(0);
      expect(added.linked).toHaveLength(150);
      // Before: fetch 16 at a time, each turn's few in one batch (about 10 batches of 16). With
      // Gmail's per-user quota on (750 units for 150 messages.get, 250 a second), a batch of
      // 100 goes out and the parts the quota refused are sent again in later ones; how many it
      // refuses depends on how long the sync took (the bucket refills), so only the largest batch
      // (100) and the bound are fixed.
      expect(Math.max(...z.batches)).toBe(100);
      expect(z.batches.every((n) => n <= 100)).toBe(true);
    } finally {
      await w.close();
      await z.stop();
    }
  });
});
