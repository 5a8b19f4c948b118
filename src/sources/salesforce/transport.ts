// jsforce sends its requests through node-fetch with its own agent, which the outbound policy
// never sees. This transport hands every request jsforce makes (the OAuth token call and the REST
// calls) to the `fetch` the source was given (the policy-checked one in production), and reads
// the Sforce-Limit-Info header of every answer on the way back.
import { PassThrough } from 'node:stream';
import type { HttpRequest, HttpResponse, StreamPromise } from 'jsforce';

/** The org's daily API usage as the last answer's Sforce-Limit-Info header reported it. */
export interface ApiUsage {
  used: number;
  limit: number;
}

/** `api-usage=18/5000; per-app-api-usage=…` → { used: 18, limit: 5000 }. */
export function parseLimitInfo(header: string | null | undefined): ApiUsage | undefined {
  const m = /api-usage=(\d+)\/(\d+)/.exec(header ?? '');
  if (!m) return undefined;
  return { used: Number(m[1]), limit: Number(m[2]) };
}

export class FetchTransport {
  usage: ApiUsage | undefined;

  constructor(
    private readonly fetchFn: typeof fetch,
    private readonly signal?: AbortSignal,
  ) {}

  httpRequest(req: HttpRequest): StreamPromise<HttpResponse> {
    // What jsforce awaits: the response, plus the stream() it pipes bodies through (unused here).
    // Built by hand: jsforce's StreamPromise class is not reachable from ESM as a named export.
    const promise = this.send(req) as StreamPromise<HttpResponse>;
    promise.stream = () => new PassThrough();
    return promise;
  }

  private async send(req: HttpRequest): Promise<HttpResponse> {
    const init: RequestInit = { method: req.method, headers: req.headers ?? {} };
    if (req.body !== undefined && req.body !== null && req.method !== 'GET') init.body = req.body as string;
    if (this.signal) init.signal = this.signal;
    const res = await this.fetchFn(req.url, init);
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.usage = parseLimitInfo(res.headers.get('sforce-limit-info')) ?? this.usage;
    return { statusCode: res.status, headers, body: await res.text() };
  }
}
