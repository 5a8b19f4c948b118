// Fuzzing every API route that takes a body (POST/PUT/PATCH, read from the OpenAPI
// document so a new route is fuzzed without touching this file) through fastify's inject:
// schema-shaped bodies with wrong types, missing and extra fields, injection strings,
// huge values, malformed JSON and random JSON. Every answer is below 500, and every 4xx
// is a JSON error { error, message }.
//
// Safety: the fuzzer must never point the API at the real filesystem or network. Any
// string that names an existing path becomes a missing one (a folder connection to "/"
// would sync the whole disk), hosts and URLs are loopback port 9 (nothing listens), and the
// webhook sender's fetch is a stub.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApi, type TestApi } from '../support/service.js';
import { writeMailbox } from '../support/mailbox.js';
import { guarded, Tally } from './harness.js';
import { workspaceFolder } from '../support/config.js';

interface Operation {
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  properties: Record<string, { type?: string; format?: string; enum?: unknown[] }>;
  required: string[];
}

let api: TestApi;
let admin = '';
const operations: Operation[] = [];
const known: Record<string, string> = {};
let mailDir = '';

beforeAll(async () => {
  api = await makeTestApi('sqlite', {
    rateLimit: { max: 1_000_000, timeWindowMs: 60_000 },
    fetch: (async () => new Response('ok')) as typeof fetch,
  });
  const w = await api.workspace('fuzz-api');
  admin = w.admin;
  mailDir = writeMailbox(path.join(workspaceFolder('fuzz-api', 'tp-fuzz-api-'), 'mail'), [
    { id: 'f1@acme.com', from: 'bob@acme.com', to: 'alice@ourco.com', subject: 'Hello' },
  ]);
  await api.call(admin, 'POST', '/v1/teammates', { email: 'alice@ourco.com' });
  await api.call(admin, 'POST', '/v1/accounts', { id: 'acme', name: 'Acme' });
  const conn = await api.call(admin, 'POST', '/v1/connections/folder', {
    teammate: 'alice@ourco.com',
    mail: mailDir,
    authorizedAt: '2026-03-01T00:00:00Z',
  });
  Object.assign(known, {
    accountId: 'acme',
    connectionId: conn.body.id,
    tokenId: (await api.call(admin, 'GET', '/v1/tokens')).body[0].id,
    email: 'bob@acme.com',
  });
  await api.queue.idle();

  // biome-ignore lint/suspicious/noExplicitAny: walks whatever the OpenAPI document describes
  const doc = (await api.call(null, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, any>> };
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      if (!['post', 'put', 'patch'].includes(m)) continue;
      const schema = op.requestBody?.content?.['application/json']?.schema ?? {};
      operations.push({
        method: m.toUpperCase() as Operation['method'],
        path: p,
        properties: schema.properties ?? {},
        required: schema.required ?? [],
      });
    }
  }
});
afterAll(async () => api?.close());

// ---- values ----

const INJECTION = [
  "'; DROP TABLE accounts;--",
  '" OR 1=1 --',
  "Robert'); DELETE FROM end_users;--",
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '${7*7}',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\uFFFF\uD800',
  'ʇsǝʇ',
];
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  email: fc.constantFrom('carol@acme.com', 'Bob <bob@acme.com>', 'x@y', 'no-at-sign', 'a@b.example', 'ALICE@OURCO.COM'),
  teammate: fc.constantFrom('alice@ourco.com', 'nobody@ourco.com', 'bad'),
  id: fc.constantFrom('acme', 'globex', 'new-acct', ''),
  name: fc.string({ maxLength: 40 }),
  entry: fc.constantFrom('partner.example', 'pat@partner.example', '*.x', '..', ''),
  domain: fc.constantFrom('ourco.com', 'new.example', 'bad domain'),
  role: fc.constantFrom('admin', 'csm', 'root'),
  authorizedAt: fc.constantFrom('2026-03-01T00:00:00Z', '2026-03-01', '2026-13-45T99:00:00Z', 'yesterday'),
  syncIntervalMinutes: fc.integer({ min: -5, max: 100 }),
  csv: fc.constantFrom('account_id,email\nacme,new@acme.com\n', 'account_id,email\n"unclosed\n', 'nope', ''),
  source: fc.constantFrom('csv', 'crm:hubspot', 'manual', 'bogus source'),
  events: fc.array(fc.constantFrom('email.linked', 'meeting.linked', 'nope'), { maxLength: 3 }),
  secret: fc.string({ maxLength: 40 }),
  password: fc.string({ maxLength: 40 }),
  security: fc.constantFrom('tls', 'starttls', 'plain', 'none'),
};
const wild: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...INJECTION),
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
);
const valueFor = (key: string) =>
  plausible[key] ? fc.oneof({ weight: 8, arbitrary: plausible[key]! }, { weight: 1, arbitrary: wild }) : wild;

const GONE = path.join(tmpdir(), 'tp-fuzz-no-such-dir', 'x');
/** Keeps the fuzzer off the disk and the network (see the file's header). */
function defuse(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => defuse(v, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, defuse(v, k)]));
  if (/port/i.test(key) && typeof value === 'number') return 9;
  if (typeof value !== 'string') return value;
  if (/host/i.test(key)) return value.length % 2 ? '127.0.0.1' : 'localhost';
  if (/url/i.test(key) && /[.:/]/.test(value)) return 'http://127.0.0.1:9/fuzz';
  if (/^(mail|calendar)$/.test(key) && value === 'FIXTURE') return mailDir;
  if (value === 'FIXTURE' || (value.length < 4096 && value.trim() !== '' && existsSync(value.trim()))) return GONE;
  return value;
}

interface Request {
  op: number;
  params: string[];
  body: unknown;
  raw?: string;
}

const request: fc.Arbitrary<Request> = fc.nat().chain((n) => {
  const op = operations[n % operations.length]!;
  const keys = [...new Set([...Object.keys(op.properties), ...op.required])];
  const shaped = fc
    .record(
      Object.fromEntries(
        keys.map((k) => [
          k,
          fc.option(/^(mail|calendar)$/.test(k) ? fc.constantFrom('FIXTURE', '/', '.', 'src', GONE) : valueFor(k), {
            nil: undefined,
            freq: 6,
          }),
        ]),
      ),
    )
    .chain((b) => fc.dictionary(fc.string({ maxLength: 6 }), wild, { maxKeys: 2 }).map((extra) => ({ ...extra, ...b })));
  const params = fc.array(
    fc.oneof(fc.constantFrom('VALID', 'VALID', 'nosuch', '%27%3B--', '..%2F..', 'x'.repeat(300)), fc.string({ maxLength: 10 })),
    { minLength: 3, maxLength: 3 },
  );
  return fc.record({
    op: fc.constant(n % operations.length),
    params,
    body: fc.oneof(
      { weight: 6, arbitrary: shaped },
      { weight: 1, arbitrary: fc.jsonValue() },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    raw: fc.option(
      fc.constantFrom(
        '{',
        '{"a":',
        'null',
        '[]',
        '"str"',
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        'not json at all',
        '\u0000',
      ),
      { nil: undefined, freq: 8 },
    ),
  });
});

function urlOf(op: Operation, params: string[]): string {
  let i = 0;
  return op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const p = params[i++ % params.length]!;
    return p === 'VALID' ? encodeURIComponent(known[name] ?? 'x') : encodeURIComponent(p);
  });
}

describe('API fuzzing: every body-taking route answers below 500, with a JSON error for 4xx', () => {
  it('covers the body-taking routes of the OpenAPI document', () => {
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining([
        'POST /v1/accounts',
        'PUT /v1/webhook',
        'PATCH /v1/workspace',
        'POST /v1/end-users/import',
        'POST /v1/connections/folder',
      ]),
    );
  });

  it('10,000 generated and mutated requests', async () => {
    const tally = new Tally();
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const op = operations[r.op]!;
        const url = urlOf(op, r.params);
        const body = defuse(r.body);
        const payload = r.raw ?? (body === undefined ? undefined : JSON.stringify(body));
        seen.add(`${op.method} ${op.path}`);
        let status = 0;
        const record = JSON.stringify({ method: op.method, url, payload });
        const ms = await guarded('api', record, async () => {
          const res = await api.app.inject({
            method: op.method,
            url,
            headers: { authorization: `Bearer ${admin}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
            ...(payload !== undefined ? { payload } : {}),
          });
          status = res.statusCode;
          if (status >= 500) throw new Error(`${op.method} ${url} answered ${status}: ${res.body.slice(0, 300)}`);
          if (status >= 400) {
            const err = JSON.parse(res.body) as { error?: unknown; message?: unknown };
            if (typeof err.error !== 'string' || typeof err.message !== 'string')
              throw new Error(`${op.method} ${url} answered ${status} without a JSON error: ${res.body.slice(0, 300)}`);
          }
        });
        tally.add(String(status), ms);
      }),
      { numRuns: 10_000, endOnFailure: true },
    );
    console.log(`api: ${tally}; routes ${[...seen].sort().join(', ')}`);
    expect(tally.items).toBe(10_000);
    expect(seen.size).toBe(operations.length);
    await api.queue.idle();
    // Still a working API with its schema intact after the injection strings.
    expect((await api.call(admin, 'GET', '/v1/accounts')).status).toBe(200);
    expect((await api.call(admin, 'GET', '/v1/accounts/acme/timeline')).status).toBe(200);
  });
});
