// The edge between CalDAV and Touchpoint: every HTTP request of this connector goes through
// `edgeFetch`, which is handed to tsdav as its `fetch`. Provider failures become a
// SourceError here, once, with plain words (ARCHITECTURE habit 3); nothing above this file
// looks at HTTP status codes except the sync-collection answers that RFC 6578 defines.
//
// tsdav itself turns most non-2xx answers into `{ ok: false, status }` entries, or into
// Errors whose text embeds the server's answer; translating at the fetch level means a 401
// is recognised whatever tsdav does with it afterwards.
import { CERTIFICATE_ADVICE, certificateProblem } from '../../net/certificate-problem.js';
import { outboundErrorMessage, REFUSED, type OutboundPolicy } from '../../net/outbound-policy.js';
import { policyFetch } from '../../net/policy-fetch.js';
import { retryAfterMs } from '../retry-after.js';
import { SourceError } from '../types.js';

export interface EdgeOptions {
  /** Only for the wording of errors: "alice at caldav.example.com". */
  who: string;
  /** Every request's address is checked by it, at connect time too (src/net/outbound-policy.ts). */
  outbound: OutboundPolicy;
  /** PEM certificate(s) of a private CA to trust for this server besides the system's (https only). */
  ca?: string;
  /** Per-request time limit (default 60 s): a server that stops answering is a network error. */
  timeoutMs?: number;
  /** Tests only: the transport under the edge (the policy is not applied to it). */
  fetch?: typeof globalThis.fetch;
}

// Which of these happened is not said: a closed port, an unknown name, a timeout or a TLS
// failure all read "could not connect" (the words must not make a port scanner). A refused
// certificate is the exception: the server answered, and the fix (host name, CA) is ours.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The SourceError for a request the outbound policy refused. */
export function refusedByPolicy(who: string): SourceError {
  return new SourceError(
    'INTERNAL',
    `the CalDAV server for ${who}: refused by policy (it is not a public internet address; an operator can allow it with TOUCHPOINT_OUTBOUND_ALLOW)`,
  );
}

/** The innermost `code` of a fetch failure (undici wraps the socket error in `cause`). */
function errorCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown; name?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && e.code !== 'ERR_INVALID_STATE') return e.code;
    if (e.name === 'TimeoutError') return 'ETIMEDOUT';
    e = e.cause as typeof e;
  }
  return undefined;
}

/** A fetch for tsdav that throws SourceError for auth, network and overload failures. */
export function makeEdgeFetch(opts: EdgeOptions): typeof globalThis.fetch {
  const base = opts.fetch ?? policyFetch(opts.outbound, opts.ca ? { ca: opts.ca } : {});
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return async (input, init) => {
    let res: Response;
    try {
      res = await base(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      if (err instanceof SourceError) throw err;
      if (outboundErrorMessage(err) === REFUSED) throw refusedByPolicy(opts.who);
      const why = certificateProblem(errorCode(err), (err as Error)?.message);
      if (why)
        throw new SourceError('NETWORK', `the CalDAV server for ${opts.who} could not prove who it is: ${why}; ${CERTIFICATE_ADVICE}`);
      throw new SourceError('NETWORK', `could not reach the CalDAV server for ${opts.who}: could not connect`);
    }
    if (res.status === 401) {
      await res.arrayBuffer().catch(() => undefined);
      throw new SourceError('AUTH_FAILED', `the CalDAV server rejected the user name or password of ${opts.who}`);
    }
    if (res.status === 429 || (res.status === 503 && res.headers.has('retry-after'))) {
      await res.arrayBuffer().catch(() => undefined);
      const wait = retryAfterMs(res.headers.get('retry-after'));
      throw new SourceError('THROTTLED', `the CalDAV server asked us to slow down (HTTP ${res.status})`, wait);
    }
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      await res.arrayBuffer().catch(() => undefined);
      throw new SourceError('NETWORK', `the CalDAV server for ${opts.who} is unavailable (HTTP ${res.status})`);
    }
    return res;
  };
}

/**
 * Errors tsdav throws itself (its own text, not ours) become one SourceError, so the sync
 * loop sees a fixed code. A SourceError from the edge passes through untouched.
 */
export function translateError(err: unknown, what: string): SourceError {
  if (err instanceof SourceError) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/cannot find (principalUrl|homeUrl)/i.test(msg)) {
    return new SourceError('NOT_FOUND', `no CalDAV calendar home was found at the configured URL (${what}); check --url`);
  }
  if (/Invalid credentials/i.test(msg)) return new SourceError('AUTH_FAILED', `the CalDAV server rejected the credentials (${what})`);
  // The connection can also fail after the headers, while tsdav reads the body ("terminated").
  const code = errorCode(err);
  if ((code && NETWORK_CODES.has(code)) || msg === 'terminated') {
    return new SourceError('NETWORK', `the connection to the CalDAV server broke while ${what}`);
  }
  // The server's answer can be long XML: keep the first line for the plain-words status.
  return new SourceError('INTERNAL', `the CalDAV server gave an unexpected answer while ${what}: ${msg.split('\n')[0]!.slice(0, 300)}`);
}
