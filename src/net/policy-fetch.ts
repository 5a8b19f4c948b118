// A `fetch` whose every connection goes through the outbound policy, for clients that take a
// fetch (tsdav for CalDAV). Node's global fetch cannot be given a DNS lookup, so this one is
// built on node:http(s): the URL is checked first (an IP literal skips DNS, credentials are
// refused), and the policy's lookup runs again when the socket connects, so the address
// connected to is the one checked (DNS rebinding); TLS still verifies the certificate against
// the host name. Redirects are followed only when asked (`redirect: 'follow'`), each hop
// checked the same way. A refusal throws OutboundRefusedError; any other failure passes the
// socket error through for the caller to word (never to show: see outboundErrorMessage).
// `ca` adds a private CA (a company's, a test's) to the system's roots for https: the
// certificate and its name are still checked, only the list of trusted issuers grows.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { OutboundRefusedError, type OutboundPolicy } from './outbound-policy.js';

const MAX_REDIRECTS = 5;
const NO_BODY = new Set([101, 204, 205, 304]);

export interface PolicyFetchOptions {
  /** PEM certificate(s) of a CA to trust besides the system's. */
  ca?: string;
}

export function policyFetch(policy: OutboundPolicy, opts: PolicyFetchOptions = {}): typeof globalThis.fetch {
  const ca = opts.ca ? [...rootCertificates, opts.ca] : undefined;
  return async (input, init = {}) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body ?? null;
    for (let hop = 0; ; hop++) {
      const res = await requestOnce(policy, url, { ...init, method, body }, ca);
      const location = res.headers.get('location');
      if (init.redirect === 'manual' || !location || res.status < 300 || res.status >= 400) return res;
      if (init.redirect === 'error' || hop >= MAX_REDIRECTS) throw new TypeError('too many redirects');
      await res.arrayBuffer().catch(() => undefined);
      url = new URL(location, url);
      // As fetch does: 303 (and 301/302 after a POST) become a GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
      }
    }
  };
}

async function requestOnce(
  policy: OutboundPolicy,
  url: URL,
  init: RequestInit & { method: string },
  ca: string[] | undefined,
): Promise<Response> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefusedError();
  const verdict = await policy.checkUrl(url);
  if (!verdict.allowed) {
    if (verdict.reason === 'refused by policy') throw new OutboundRefusedError();
    throw Object.assign(new Error('could not connect'), { code: 'ENOTFOUND' });
  }
  const payload = await bodyBytes(init.body);
  const headers = Object.fromEntries(new Headers(init.headers).entries());
  if (payload) headers['content-length'] = String(payload.length);
  const secure = url.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  const options = { method: init.method, headers, lookup: policy.lookup, agent: false as const, ...(secure && ca ? { ca } : {}) };
  return new Promise<Response>((resolve, reject) => {
    const req = request(url, options, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const out = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const one of v) out.append(k, one);
        else if (v !== undefined) out.set(k, v);
      }
      const stream = NO_BODY.has(status) || init.method === 'HEAD' ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      if (!stream) res.resume();
      resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: out }));
    });
    req.on('error', reject);
    const signal = init.signal;
    if (signal) {
      if (signal.aborted) req.destroy(signal.reason as Error);
      else signal.addEventListener('abort', () => req.destroy(signal.reason as Error), { once: true });
    }
    req.end(payload ?? undefined);
  });
}

async function bodyBytes(body: RequestInit['body']): Promise<Buffer | null> {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(await new Response(body).arrayBuffer());
}
