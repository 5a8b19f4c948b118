// The edge between CalDAV and Touchpoint: every HTTP request of this connector goes through
// `edgeFetch`, which is handed to tsdav as its `fetch`. Provider failures become a
// SourceError here, once, with plain words (ARCHITECTURE habit 3); nothing above this file
// looks at HTTP status codes except the sync-collection answers that RFC 6578 defines.
//
// tsdav itself turns most non-2xx answers into `{ ok: false, status }` entries, or into
// Errors whose text embeds the server's answer; translating at the fetch level means a 401
// is recognised whatever tsdav does with it afterwards.
import { retryAfterMs } from '../retry-after.js';
import { SourceError } from '../types.js';

export interface EdgeOptions {
  /** Only for the wording of errors: "alice at caldav.example.com". */
  who: string;
  /** Per-request time limit (default 60 s): a server that stops answering is a network error. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (is the server running?)',
  ECONNRESET: 'the server closed the connection',
  EPIPE: 'the server closed the connection',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_SOCKET: 'the server closed the connection',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'the server did not answer in time',
  UND_ERR_BODY_TIMEOUT: 'the server stopped sending its answer',
};

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
  const base = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return async (input, init) => {
    let res: Response;
    try {
      res = await base(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      if (err instanceof SourceError) throw err;
      const code = errorCode(err);
      const why = (code && NETWORK_CODES[code]) ?? `the request failed (${code ?? (err as Error).message})`;
      throw new SourceError('NETWORK', `could not reach the CalDAV server for ${opts.who}: ${why}`);
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
  if ((code && NETWORK_CODES[code]) || msg === 'terminated') {
    return new SourceError(
      'NETWORK',
      `the connection to the CalDAV server broke while ${what}: ${(code && NETWORK_CODES[code]) ?? 'the server closed the connection'}`,
    );
  }
  // The server's answer can be long XML: keep the first line for the plain-words status.
  return new SourceError('INTERNAL', `the CalDAV server gave an unexpected answer while ${what}: ${msg.split('\n')[0]!.slice(0, 300)}`);
}
