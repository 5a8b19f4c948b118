// One HTTP(S) request to a user-given URL under the outbound policy: the URL is checked first
// (literal addresses, credentials), and the policy's lookup runs again when the socket
// connects, so the address connected to is the address checked. No redirects are followed.
// The result is a status, or one of the two policy messages — never the underlying error.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { COULD_NOT_CONNECT, type OutboundPolicy, outboundErrorMessage, REFUSED } from './outbound-policy.js';

export type OutboundResult = { ok: true; status: number } | { ok: false; error: typeof REFUSED | typeof COULD_NOT_CONNECT };

export async function outboundPost(
  policy: OutboundPolicy,
  url: string,
  init: { headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<OutboundResult> {
  const verdict = await policy.checkUrl(url);
  if (!verdict.allowed) return { ok: false, error: verdict.reason };
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, error: REFUSED };
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request(
      u,
      {
        method: 'POST',
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        lookup: policy.lookup,
        agent: false,
      },
      (res) => {
        res.resume(); // the receiver's body is not read: only its status counts
        done({ ok: true, status: res.statusCode ?? 0 });
        req.destroy();
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ ok: false, error: COULD_NOT_CONNECT });
    }, init.timeoutMs);
    req.on('error', (err) => done({ ok: false, error: outboundErrorMessage(err) }));
    req.end(init.body);
  });
}
