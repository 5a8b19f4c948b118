// The emulators' batch endpoints, spoken to over plain HTTP as the documentation describes
// them: Gmail's multipart/mixed batch (https://developers.google.com/gmail/api/guides/batch)
// and Graph's JSON $batch (https://learn.microsoft.com/graph/json-batching). Each part is
// answered on its own (status, headers, body), in order, with its id echoed; over the limit
// (100 / 20) the whole batch is refused with 400; throttling is per part.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundaryOf, headersAndRest, splitMultipart } from './gmail-batch.js';
import { GoogleEmulator } from './google.js';
import { MicrosoftEmulator } from './microsoft.js';

const g = new GoogleEmulator();
const ms = new MicrosoftEmulator();
let googleToken = '';
let graphToken = '';

async function accessToken(url: string, refreshToken: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'cid' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  // These tests count a batch's parts and statuses exactly; Gmail's per-user quota (a full
  // 100-part batch costs 500 units of its 250) is gmail-quota.test.ts's subject.
  g.setUserQuota(null);
  await g.start();
  await ms.start();
  g.addMessage('m1', 'From: a@acme.com\r\nSubject: One\r\n\r\nbody\r\n', '2026-03-03T09:00:00Z');
  g.addMessage('m2', 'From: b@acme.com\r\nSubject: Two\r\n\r\nbody\r\n', '2026-03-03T10:00:00Z');
  for (const id of ['a1', 'a2'])
    ms.addMessage({
      id,
      folder: 'inbox',
      subject: `Subject ${id}`,
      from: 'john@acme.com',
      to: ['alice@ourco.com'],
      receivedDateTime: '2026-03-03T09:00:00Z',
      body: 'secret body',
    });
  googleToken = await accessToken(g.tokenUrl, g.issueRefreshToken());
  graphToken = await accessToken(`${ms.url}/common/oauth2/v2.0/token`, ms.issueRefreshToken());
});
afterAll(async () => {
  await g.stop();
  await ms.stop();
});

/** A Gmail batch of these GETs; the answer's parts as {contentId, status, headers, json}. */
async function gmailBatch(paths: string[]) {
  const body = `${paths
    .map((p, i) => `--b0\r\nContent-Type: application/http\r\nContent-ID: <item${i}>\r\n\r\nGET ${p}\r\n\r\n`)
    .join('')}--b0--\r\n`;
  const res = await fetch(`${g.url}/batch/gmail/v1`, {
    method: 'POST',
    headers: { authorization: `Bearer ${googleToken}`, 'content-type': 'multipart/mixed; boundary=b0' },
    body,
  });
  if (res.status !== 200) return { status: res.status, parts: [], text: await res.text() };
  const boundary = boundaryOf(res.headers.get('content-type') ?? '')!;
  const parts = splitMultipart(await res.text(), boundary).map((section) => {
    const outer = headersAndRest(section);
    const [statusLine, ...rest] = outer.rest.split(/\r?\n/);
    const inner = headersAndRest(rest.join('\r\n'));
    return {
      contentId: outer.headers['content-id'],
      status: Number(statusLine!.split(' ')[1]),
      headers: inner.headers,
      json: JSON.parse(inner.rest),
    };
  });
  return { status: res.status, parts, text: '' };
}

describe('Gmail batch endpoint', () => {
  it('answers every part in order with its own status and Content-ID response-<id>', async () => {
    const r = await gmailBatch([
      '/gmail/v1/users/me/messages/m1?format=metadata&metadataHeaders=Subject',
      '/gmail/v1/users/me/messages/gone?format=metadata',
      '/gmail/v1/users/me/messages/m2?format=metadata&metadataHeaders=Subject',
    ]);
    expect(r.parts.map((p) => [p.contentId, p.status])).toEqual([
      ['<response-item0>', 200],
      ['<response-item1>', 404],
      ['<response-item2>', 200],
    ]);
    expect(r.parts[0]!.json.payload.headers).toEqual([{ name: 'Subject', value: 'One' }]);
    expect(r.parts[1]!.json.error.errors[0].reason).toBe('notFound');
    expect(r.parts[2]!.json.id).toBe('m2');
  });

  it('refuses more than 100 parts with 400', async () => {
    const r = await gmailBatch(Array.from({ length: 101 }, () => '/gmail/v1/users/me/messages/m1?format=metadata'));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/limit is 100/);
    expect((await gmailBatch(Array.from({ length: 100 }, () => '/gmail/v1/users/me/messages/m1?format=metadata'))).parts).toHaveLength(100);
  });

  it('throttles per part: a 429 part carries its Retry-After, the others are answered', async () => {
    g.failNext.push({ status: 429, body: { error: { code: 429, message: 'Too many' } }, headers: { 'retry-after': '5' } });
    const r = await gmailBatch(['/gmail/v1/users/me/messages/m1?format=metadata', '/gmail/v1/users/me/messages/m2?format=metadata']);
    expect(r.parts.map((p) => p.status)).toEqual([429, 200]);
    expect(r.parts[0]!.headers['retry-after']).toBe('5');
  });
});

/** What the tests read of a Graph answer body. */
interface GraphBody {
  subject?: string;
  body?: { content?: string };
  error?: { code?: string };
}

async function graphBatch(requests: unknown[]) {
  const res = await fetch(`${ms.url}/v1.0/$batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${graphToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ requests }),
  });
  return {
    status: res.status,
    json: (await res.json()) as {
      responses?: { id: string; status: number; headers: Record<string, string>; body: GraphBody }[];
      error?: { code: string };
    },
  };
}

describe('Graph $batch endpoint', () => {
  const get = (id: string, url: string) => ({ id, method: 'GET', url });

  it('answers each request by id with its status, headers and body; $select is honoured', async () => {
    const r = await graphBatch([
      get('1', '/me/messages/a1?$select=subject,from'),
      get('2', '/me/messages/nope'),
      get('3', 'me/messages/a2'),
    ]);
    expect(r.status).toBe(200);
    const byId = new Map(r.json.responses!.map((x) => [x.id, x]));
    expect(byId.get('1')!.status).toBe(200);
    expect(byId.get('1')!.body.subject).toBe('Subject a1');
    expect(byId.get('1')!.body.body).toBeUndefined();
    expect(byId.get('2')!.status).toBe(404);
    expect(byId.get('2')!.body.error?.code).toBe('ErrorItemNotFound');
    expect(byId.get('3')!.body.body?.content).toContain('secret body');
  });

  it('refuses more than 20 requests with 400 BadRequest', async () => {
    const r = await graphBatch(Array.from({ length: 21 }, (_, i) => get(String(i), '/me/messages/a1')));
    expect(r.status).toBe(400);
    expect(r.json.error!.code).toBe('BadRequest');
    expect((await graphBatch(Array.from({ length: 20 }, (_, i) => get(String(i), '/me/messages/a1')))).json.responses).toHaveLength(20);
  });

  it('throttles per request: a 429 carries its Retry-After in its own headers', async () => {
    ms.stormRetryAfter = '3';
    ms.stormRequests = 1;
    const r = await graphBatch([get('1', '/me/messages/a1'), get('2', '/me/messages/a2')]);
    const statuses = r.json.responses!.map((x) => x.status).sort();
    expect(statuses).toEqual([200, 429]);
    expect(r.json.responses!.find((x) => x.status === 429)!.headers['retry-after']).toBe('3');
  });
});
