// GraphMailSource.fetchMany against the Microsoft emulator, through the official Graph client and
// msal-node: a directory change's page of re-reads goes as JSON $batch requests of up to 20 of the
// GET fetch sends. Each ref's outcome must be what fetch gives for it alone: the message, null
// when it is gone (a 404 response) or has no usable time; a throttled response inside a batch
// is sent again after its Retry-After, not reported gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEndUser } from '../../src/app/directory-changes.js';
import type { EmailItem } from '../../src/domain/items.js';
import { microsoftTokensFor } from '../../src/providers/microsoft/auth.js';
import { Limiter } from '../../src/providers/microsoft/call.js';
import { graphClient } from '../../src/providers/microsoft/graph-client.js';
import { GraphMailSource } from '../../src/providers/microsoft/mail-source.js';
import { microsoftSettings } from '../../src/providers/microsoft/settings.js';
import { createSecrets } from '../../src/secrets/secrets.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { MicrosoftEmulator } from '../emulators/microsoft.js';
import { microsoftEmulatorConfig, testConfig } from '../support/config.js';
import { liveWorkspace } from '../support/live-find.js';

const AUTH = '2026-03-01T00:00:00Z';
const ms = new MicrosoftEmulator();
const waits: number[] = [];
// No jitter (random 0): the waits are exactly what the provider asked.
const retry = {
  maxAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 60_000,
  sleep: async (ms: number) => void waits.push(ms),
  random: () => 0,
};
let source: GraphMailSource;

const add = (e: MicrosoftEmulator, n: number, from = `sender${n}@acme.com`) =>
  e.addMessage({
    id: `AAMk-${n}`,
    folder: 'inbox',
    internetMessageId: `m${n}@acme.com`,
    subject: `Subject ${n}`,
    from,
    to: ['alice@ourco.com'],
    receivedDateTime: new Date(Date.UTC(2026, 2, 5, 10, 0, n % 60, n)).toISOString(),
    body: `Body ${n}`,
  });
const messageIds = (xs: unknown[]) => xs.map((x) => (x === null ? null : x instanceof Error ? 'error' : (x as EmailItem).messageId));

beforeAll(async () => {
  await ms.start();
  for (let n = 0; n < 50; n++) add(ms, n);
  // No received or sent time: fetch gives null for it (toItem refuses it).
  ms.addMessage({
    id: 'AAMk-bad',
    folder: 'inbox',
    subject: 'x',
    from: 'a@acme.com',
    to: [],
    receivedDateTime: '2026-03-05T10:00:00Z',
    raw: { receivedDateTime: null, sentDateTime: null },
  });
  const config = testConfig({ microsoft: microsoftEmulatorConfig({ authority: ms.authority, graphBaseUrl: ms.graphBaseUrl }) });
  const secrets = createSecrets(config.secretKey);
  const tokens = microsoftTokensFor({ secretEnc: secrets.encrypt(ms.issueRefreshToken()), secrets }, microsoftSettings(config.microsoft));
  const client = graphClient(tokens, ms.graphBaseUrl);
  source = new GraphMailSource({ client, tokens, limiter: new Limiter(4), baseUrl: ms.graphBaseUrl, authorizedAt: new Date(AUTH), retry });
});
afterAll(() => ms.stop());

describe('GraphMailSource.fetchMany', () => {
  it('reads refs in one $batch, in order: a deleted message is null, as fetch says', async () => {
    add(ms, 900);
    ms.messages.delete('AAMk-900');
    ms.batches.length = 0;
    const refs = ['AAMk-3', 'AAMk-900', 'AAMk-bad', 'AAMk-1', 'AAMk-2'];
    const many = await source.fetchMany(refs);
    expect(messageIds(many)).toEqual(['m3@acme.com', null, null, 'm1@acme.com', 'm2@acme.com']);
    expect(ms.batches).toEqual([5]);
    expect((many[0] as EmailItem).html ?? (many[0] as EmailItem).text).toContain('Body 3');
    const one = [];
    for (const r of refs) one.push(await source.fetch(r));
    expect(many).toEqual(one);
  });

  it('reads more refs than one batch holds, every one in order (batches of 20), the mailbox never over 4', async () => {
    ms.batches.length = 0;
    ms.peakInFlight = 0;
    ms.concurrencyRefused = 0;
    const refs = Array.from({ length: 45 }, (_, n) => `AAMk-${44 - n}`);
    const many = await source.fetchMany(refs);
    expect(messageIds(many)).toEqual(Array.from({ length: 45 }, (_, n) => `m${44 - n}@acme.com`));
    expect(ms.batches).toEqual([20, 20, 5]);
    expect(ms.peakInFlight).toBeLessThanOrEqual(4);
    expect(ms.concurrencyRefused).toBe(0); // the emulator refuses a 5th: none was asked for
  });

  it('a throttled response inside a batch is read again after its Retry-After, not reported gone', async () => {
    ms.batches.length = 0;
    waits.length = 0;
    ms.failNext.push({
      status: 429,
      body: { error: { code: 'TooManyRequests', message: 'Too many requests.' } },
      headers: { 'retry-after': '3' },
    });
    const many = await source.fetchMany(['AAMk-10', 'AAMk-11']);
    expect(messageIds(many)).toEqual(['m10@acme.com', 'm11@acme.com']);
    expect(waits).toEqual([3_000]);
    expect(ms.batches).toEqual([2, 1]);
  });

  it('throttled on every attempt: the ref is a THROTTLED error, not gone', async () => {
    waits.length = 0;
    ms.stormRetryAfter = '1';
    ms.stormRequests = 3; // one request of the batch, three times (the retry budget)
    const many = await source.fetchMany(['AAMk-20']);
    expect(messageIds(many)).toEqual(['error']);
    expect((many[0] as Error & { code?: string }).code).toBe('THROTTLED');
    ms.stormRequests = 0;
  });

  it('a directory change re-links every not-linked email of a Graph mailbox in batches of up to 20', async () => {
    const z = new MicrosoftEmulator();
    await z.start();
    const w = await liveWorkspace(
      '2026-03-10T12:00:00Z',
      testConfig({ microsoft: microsoftEmulatorConfig({ authority: z.authority, graphBaseUrl: z.graphBaseUrl }) }),
    );
    try {
      for (let n = 0; n < 50; n++) add(z, 1000 + n, 'zed@prospect.example');
      const connId = await w.connect({ provider: 'graph', config: {}, secret: z.issueRefreshToken(), authorizedAt: AUTH });
      const [synced] = await syncAll(w.deps, connId);
      expect(synced?.mail).toMatchObject({ seen: 50, notLinked: 50 });
      z.batches.length = 0;
      z.peakInFlight = 0;
      z.concurrencyRefused = 0;
      const added = await addEndUser(w.deps, { accountId: 'acme', email: 'zed@prospect.example', source: 'manual' });
      expect(added.unavailable).toBe(0);
      expect(added.linked).toHaveLength(50);
      // Before: 50 single GETs, 16 at a time (4 in flight at the mailbox).
      expect(z.batches).toEqual([20, 20, 10]);
      expect(z.peakInFlight).toBeLessThanOrEqual(4);
      expect(z.concurrencyRefused).toBe(0);
    } finally {
      await w.close();
      await z.stop();
    }
  });
});
