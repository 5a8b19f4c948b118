// An HTTP pass-through in front of a real server (Radicale) that can answer as a busy server
// does — 429 or 503 with Retry-After (RFC 9110 §10.2.3, seconds or an HTTP date) — for the
// next N requests, then passes everything through again. It counts what it refused and
// what it passed, so a test sees the client stop at the first refusal and resume later.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ThrottlingProxy {
  url: string;
  /** Refuse the next `count` requests (those matching `only`, when given) with this status and Retry-After value. */
  throttle(count: number, status: 429 | 503, retryAfter: string, only?: RequestMatch): void;
  refused(): number;
  passed(): number;
  /** Requests passed through since the last refusal. */
  passedSinceRefusal(): number;
  close(): Promise<void>;
}

/** Which requests a throttle applies to: a method, a path (exact), or both. */
export interface RequestMatch {
  method?: string;
  path?: string;
}

export async function throttlingProxy(target: string): Promise<ThrottlingProxy> {
  const upstream = new URL(target);
  let pending: { count: number; status: number; retryAfter: string; only: RequestMatch } = {
    count: 0,
    status: 503,
    retryAfter: '0',
    only: {},
  };
  let refused = 0;
  let passed = 0;
  let passedAtRefusal = 0;
  const server: Server = createServer((req, res) => {
    const { method, path } = pending.only;
    if (pending.count > 0 && (!method || method === req.method) && (!path || path === req.url)) {
      pending.count--;
      refused++;
      passedAtRefusal = passed;
      req.resume();
      res.writeHead(pending.status, { 'retry-after': pending.retryAfter, 'content-type': 'text/plain' }).end('busy, try later');
      return;
    }
    passed++;
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    throttle: (count, status, retryAfter, only = {}) => {
      pending = { count, status, retryAfter, only };
    },
    refused: () => refused,
    passed: () => passed,
    passedSinceRefusal: () => passed - passedAtRefusal,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
