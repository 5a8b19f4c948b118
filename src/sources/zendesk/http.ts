// node-zendesk's request layer, one request at a time. The library's list helpers
// (`users.incremental`, `organizations.incremental`, getAll) follow every next page into one
// array and keep only the records, dropping what a resumable sync needs (end_time, after_cursor,
// end_of_stream) and the Retry-After of a 429; it has no method for the cursor-based user export
// or a user's organization memberships. So the source calls the client's `transporter.request`
// (the library's URL building, API-token Basic auth and user agent) and reads status, headers
// and body itself. (Imported as the default: the CommonJS bundle's named exports are not visible to ESM.) The transport is the source's `fetch`, so the outbound policy sees every call.
import zendesk from 'node-zendesk';
import { OutboundRefusedError } from '../../net/outbound-policy.js';
import { SourceError } from '../../providers/types.js';

/** A path the way node-zendesk builds one: segments, then an object of query parameters. */
export type ZendeskPath = [...string[], Record<string, string | number>];

export interface ZendeskHttp {
  get(path: ZendeskPath): Promise<Record<string, unknown>>;
}

/** Used when Zendesk sends a 429 without Retry-After: the incremental limit is per minute. */
const DEFAULT_RETRY_MS = 60_000;

export function zendeskHttp(
  settings: { url: string; email: string },
  token: string,
  fetchFn: typeof fetch,
  signal?: AbortSignal,
): ZendeskHttp {
  const client = zendesk.createClient({
    username: settings.email,
    token,
    endpointUri: `${settings.url.replace(/\/+$/, '')}/api/v2`,
    transportConfig: {
      transportFn: (uri: string, init: RequestInit) =>
        fetchFn(uri, { method: init.method, headers: init.headers, ...(signal ? { signal } : {}) }),
      // The fetch Response already has what the transporter reads (status, headers.get, json()).
      responseAdapter: (res: Response) => res,
    },
  });
  return {
    async get(path) {
      signal?.throwIfAborted();
      let answer: { response: Response; result: unknown };
      try {
        answer = (await client.users.transporter.request('GET', [...path])) as { response: Response; result: unknown };
      } catch (err) {
        throw connectionError(err);
      }
      const { response, result } = answer;
      if (response.ok) return result as Record<string, unknown>;
      throw statusError(response, result, path);
    },
  };
}

function statusError(res: Response, result: unknown, path: ZendeskPath): SourceError {
  const body = (result ?? {}) as { error?: unknown; description?: unknown };
  const words = [body.error, body.description].filter((w) => typeof w === 'string').join(': ') || res.statusText;
  if (res.status === 401) return new SourceError('AUTH_FAILED', `Zendesk refused the API token (${words}); connect the source again`);
  if (res.status === 403) return new SourceError('AUTH_FAILED', `Zendesk refused access (${words}): the token's user must be an admin`);
  if (res.status === 429) {
    const seconds = Number(res.headers.get('retry-after'));
    return new SourceError(
      'THROTTLED',
      `Zendesk rate limit (${words})`,
      Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_RETRY_MS,
    );
  }
  const params = path.at(-1) as Record<string, unknown>;
  if ((res.status === 400 || res.status === 422) && ('cursor' in params || 'start_time' in params)) {
    return new SourceError('CURSOR_INVALID', `Zendesk refused the export position (${words}); a full sync is needed`);
  }
  if (res.status >= 500) return new SourceError('NETWORK', `Zendesk answered ${res.status} (${words})`);
  return new SourceError('INTERNAL', `Zendesk answered ${res.status} (${words})`);
}

function connectionError(err: unknown): unknown {
  if (err instanceof Error && err.name === 'AbortError') return err;
  if (err instanceof OutboundRefusedError) return new SourceError('NETWORK', 'Zendesk is not reachable: refused by the outbound policy');
  if (err instanceof Error) return new SourceError('NETWORK', `Zendesk is not reachable: ${err.message}`);
  return new SourceError('INTERNAL', `Zendesk: ${String(err)}`);
}
