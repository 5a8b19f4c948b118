// Outbound webhooks: deliver a workspace's due outbox events, signed with HMAC-SHA256,
// retried with exponential backoff. At-least-once: a receiver dedups by the event id (also
// sent as X-Touchpoint-Delivery). One delivery job per workspace runs at a time (queue key)
// and sends oldest first, but a retried event may arrive after newer ones: each event
// carries createdAt for receivers that care about order.
//
// Signature: X-Touchpoint-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
// with X-Touchpoint-Timestamp: <unix seconds>, so a receiver can refuse old replays.
import { createHmac } from 'node:crypto';
import type { Job } from '../queue/types.js';
import type { Store } from '../store/db.js';
import { decryptSecret, type SecretKey } from '../secrets/secrets.js';
import { dueEvents, getWebhook, markAttemptFailed, markDelivered } from '../store/webhooks.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import type { WebhookJobData } from './scheduler.js';
import { COULD_NOT_CONNECT, OutboundPolicy } from '../net/outbound-policy.js';
import { outboundPost, type OutboundResult } from '../net/outbound-http.js';

export const MAX_ATTEMPTS = 10;

export function signPayload(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** 30 s, 1 min, 2 min, … capped at 6 h: ten attempts span about a day. */
export function backoffMs(attempt: number): number {
  return Math.min(6 * 3600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
}

export interface WebhookDeps {
  db: Store;
  clock: Clock;
  /** The key webhook secrets are encrypted with; null when the server has none. */
  secretKey: SecretKey | null;
  /**
   * Where deliveries may go (src/net/outbound-policy.ts). Without one, only public internet
   * addresses: the operator's allow-list (TOUCHPOINT_OUTBOUND_ALLOW) is passed in by the runtime.
   */
  outbound?: OutboundPolicy;
  /** Tests only: deliver through this instead of the network (the policy still checks the URL first). */
  fetch?: typeof fetch;
  timeoutMs?: number;
  metrics?: ServiceMetrics;
  log?: Logger;
}

export async function deliverDue(deps: WebhookDeps, workspaceId: string): Promise<{ delivered: number; failed: number }> {
  const hook = await getWebhook(deps.db, workspaceId);
  if (!hook?.enabled || !deps.secretKey) return { delivered: 0, failed: 0 };
  const secret = decryptSecret(hook.secretEnc, deps.secretKey);
  const policy = deps.outbound ?? new OutboundPolicy();
  let delivered = 0;
  let failed = 0;
  for (const ev of await dueEvents(deps.db, workspaceId, deps.clock.now())) {
    const now = deps.clock.now();
    const ts = Math.floor(now.getTime() / 1000);
    const result = await post(deps, policy, hook.url, {
      headers: {
        'content-type': 'application/json',
        'user-agent': 'touchpoint-webhooks/1',
        'x-touchpoint-event': ev.event,
        'x-touchpoint-delivery': ev.id,
        'x-touchpoint-timestamp': String(ts),
        'x-touchpoint-signature': signPayload(secret, ts, ev.payload),
      },
      body: ev.payload,
      timeoutMs: deps.timeoutMs ?? 10_000,
    });
    // Recorded and listed as "HTTP nnn", "refused by policy" or "could not connect": nothing
    // that tells a closed port from a filtered one or a timeout (no port scanner for an admin).
    const error = !result.ok ? result.error : result.status < 200 || result.status >= 300 ? `HTTP ${result.status}` : null;
    if (error === null) {
      await markDelivered(deps.db, ev.id, now);
      deps.metrics?.webhookDelivery('delivered');
      delivered++;
      continue;
    }
    const attempts = ev.attempts + 1;
    const next = attempts >= MAX_ATTEMPTS ? null : new Date(now.getTime() + backoffMs(attempts));
    await markAttemptFailed(deps.db, ev.id, attempts, error, next);
    deps.metrics?.webhookDelivery(next ? 'retry' : 'failed');
    deps.log?.warn(
      { workspaceId, event: ev.event, delivery: ev.id, attempts, error, nextAttemptAt: next?.toISOString() ?? null },
      'webhook delivery failed',
    );
    failed++;
    // The receiver is failing: do not hammer it with the rest now; they go at the next job.
    break;
  }
  return { delivered, failed };
}

async function post(
  deps: WebhookDeps,
  policy: OutboundPolicy,
  url: string,
  init: { headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<OutboundResult> {
  if (!deps.fetch) return outboundPost(policy, url, init);
  const verdict = await policy.checkUrl(url);
  if (!verdict.allowed) return { ok: false, error: verdict.reason };
  try {
    const res = await deps.fetch(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    return { ok: true, status: res.status };
  } catch {
    return { ok: false, error: COULD_NOT_CONNECT };
  }
}

export function makeWebhookJob(deps: WebhookDeps): (job: Job<WebhookJobData>) => Promise<void> {
  return async (job) => {
    await deliverDue(deps, job.data.workspaceId);
  };
}
