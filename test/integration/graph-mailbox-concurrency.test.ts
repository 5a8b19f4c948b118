// Outlook's MailboxConcurrency limit (4 concurrent requests per app and mailbox), enforced by
// the Microsoft emulator as by Graph: a 5th concurrent request to the mailbox is refused with
// 429 ApplicationThrottled and Retry-After, alone or as one request of a $batch. Through msal
// and the official Graph client, the sync, the re-reads of a directory change and the live
// lookup must stay under it (none refused) and still read every message; when another client of
// the same mailbox takes slots too, the refused requests are sent again and nothing is lost.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmailItem } from '../../src/domain/items.js';
import { readFolderSettings } from '../../src/providers/folder-selection.js';
import { microsoftTokensFor } from '../../src/providers/microsoft/auth.js';
import { Limiter } from '../../src/providers/microsoft/call.js';
import { graphClient } from '../../src/providers/microsoft/graph-client.js';
import { GraphMailSource } from '../../src/providers/microsoft/mail-source.js';
import { GraphMailSearch } from '../../src/providers/microsoft/search.js';
import { microsoftSettings } from '../../src/providers/microsoft/settings.js';
import { createSecrets } from '../../src/secrets/secrets.js';
import { syncAll } from '../../src/sync/run-sync.js';
import { MicrosoftEmulator } from '../emulators/microsoft.js';
import { microsoftEmulatorConfig, testConfig } from '../support/config.js';
import { liveWorkspace } from '../support/live-find.js';

vi.setConfig({ testTimeout: 120_000 });

const AUTH = '2026-03-01T00:00:00Z';
const ms = new MicrosoftEmulator();
const config = () => testConfig({ microsoft: microsoftEmulatorConfig({ authority: ms.authority, graphBaseUrl: ms.graphBaseUrl }) });
/** Real waits, kept short: Retry-After 1 s would make each refused round a second. */
const retry = {
  maxAttempts: 8,
  baseDelayMs: 5,
  maxDelayMs: 60_000,
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20))),
};

const add = (n: number, folder = 'inbox') =>
  ms.addMessage({
    id: `AAMk-${n}`,
    folder,
    internetMessageId: `c${n}@acme.com`,
    subject: `Renewal ${n}`,
    from: `sender${n}@acme.com`,
    to: ['alice@ourco.com'],
    receivedDateTime: new Date(Date.UTC(2026, 2, 5, 10, 0, 0, n)).toISOString(),
    body: `Body ${n}`,
  });

function source(limiter = new Limiter(4)) {
  const c = config();
  const secrets = createSecrets(c.secretKey);
  const tokens = microsoftTokensFor({ secretEnc: secrets.encrypt(ms.issueRefreshToken()), secrets }, microsoftSettings(c.microsoft));
  const client = graphClient(tokens, ms.graphBaseUrl);
  const o = { client, tokens, limiter, baseUrl: ms.graphBaseUrl, authorizedAt: new Date(AUTH), retry };
  return { mail: new GraphMailSource(o), search: new GraphMailSearch({ ...o, folders: readFolderSettings({}) }), client };
}
const ids = (xs: unknown[]) => xs.map((x) => (x === null ? null : x instanceof Error ? 'error' : (x as EmailItem).messageId));
const expected = (refs: string[]) => refs.map((r) => `c${r.slice('AAMk-'.length)}@acme.com`);

beforeAll(async () => {
  await ms.start();
  for (let n = 0; n < 200; n++) add(n);
  for (let n = 200; n < 300; n++) add(n, 'sentitems');
});
afterAll(() => ms.stop());

describe("Outlook's MailboxConcurrency limit in the emulator", () => {
  it('a 5th concurrent request to the mailbox is refused: 429 ApplicationThrottled with Retry-After', async () => {
    const { client } = source();
    await client.api('me/messages/AAMk-0').get(); // the token first, so the five leave together
    ms.concurrencyRefused = 0;
    ms.stallSearchMs = 1_000; // each lookup holds its slot a while
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, n) =>
        client
          .api('me/messages')
          .filter(`from/emailAddress/address eq 'sender${n}@acme.com'`)
          .get()
          .then(() => 200)
          .catch((e: { statusCode?: number; code?: string; headers?: Headers }) => ({
            status: e.statusCode,
            code: e.code,
            retryAfter: e.headers?.get('retry-after'),
          })),
      ),
    );
    ms.stallSearchMs = 0;
    expect(answers.filter((a) => a === 200)).toHaveLength(4);
    expect(answers.find((a) => a !== 200)).toEqual({ status: 429, code: 'ApplicationThrottled', retryAfter: '1' });
    expect(ms.concurrencyRefused).toBe(1);
  });

  it("inside a $batch each request counts: beside a lone request, one of the batch's is refused on its own", async () => {
    const { client } = source();
    ms.stallSearchMs = 1_000; // a lone search holds one slot while the batch runs its 4 at a time
    const lone = client.api('me/messages').filter("from/emailAddress/address eq 'sender1@acme.com'").get();
    // Its client fetches a token first: wait until the search is the mailbox's one request in flight.
    while (ms.mailboxInFlight < 1) await new Promise((r) => setTimeout(r, 10));
    const requests = Array.from({ length: 4 }, (_, n) => ({ id: String(n), method: 'GET', url: `/me/messages/AAMk-${n}` }));
    const batch = (await client.api('/$batch').post({ requests })) as {
      responses: { status: number; headers: Record<string, string>; body: { error?: { code: string; message: string } } }[];
    };
    await lone;
    ms.stallSearchMs = 0;
    const refused = batch.responses.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.headers['retry-after']).toBe('1');
    expect(refused[0]!.body.error).toEqual(
      expect.objectContaining({ code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' }),
    );
  });
});

describe('our Graph client under the limit', () => {
  it('an initial sync of 300 messages in two folders reads every one, no request refused', async () => {
    const w = await liveWorkspace('2026-03-10T12:00:00Z', config());
    try {
      ms.concurrencyRefused = 0;
      const connId = await w.connect({
        provider: 'graph',
        config: { pageSize: 7 },
        secret: ms.issueRefreshToken(),
        authorizedAt: AUTH,
        calendar: true,
      });
      const [synced] = await syncAll(w.deps, connId);
      expect(synced?.failure ?? null).toBeNull();
      expect(synced?.mail).toMatchObject({ seen: 300 });
      expect(ms.concurrencyRefused).toBe(0);
    } finally {
      await w.close();
    }
  });

  it('re-reads ($batch) beside lookups and lone fetches on the same limiter: every message read, none refused', async () => {
    const { mail, search } = source();
    ms.concurrencyRefused = 0;
    ms.stallSearchMs = 30;
    const refs = Array.from({ length: 60 }, (_, n) => `AAMk-${n * 3}`);
    const signal = new AbortController().signal;
    const [many, hits, ...lone] = await Promise.all([
      mail.fetchMany(refs),
      search.search({ from: 'sender7@acme.com' }, { limit: 10, signal }),
      ...[1, 2, 4, 5].map((n) => mail.fetch(`AAMk-${n}`)),
    ]);
    ms.stallSearchMs = 0;
    expect(ids(many)).toEqual(expected(refs));
    expect(hits.map((h) => h.item.messageId)).toEqual(['c7@acme.com']);
    expect(lone.map((m) => m?.messageId)).toEqual(['c1@acme.com', 'c2@acme.com', 'c4@acme.com', 'c5@acme.com']);
    expect(ms.concurrencyRefused).toBe(0);
  });

  it('two clients of one mailbox (each within its own 4): the refused requests are sent again, nothing lost', async () => {
    const a = source();
    const b = source(); // another limiter: the same mailbox connected in a second workspace
    ms.concurrencyRefused = 0;
    const refsA = Array.from({ length: 60 }, (_, n) => `AAMk-${n}`);
    const refsB = Array.from({ length: 60 }, (_, n) => `AAMk-${299 - n}`);
    const [ra, rb] = await Promise.all([a.mail.fetchMany(refsA), b.mail.fetchMany(refsB)]);
    expect(ids(ra)).toEqual(expected(refsA));
    expect(ids(rb)).toEqual(expected(refsB));
    expect(ms.concurrencyRefused).toBeGreaterThan(0); // the emulator did refuse some
  });
});
