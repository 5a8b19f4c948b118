// Microsoft Graph change notifications (webhook side), independent of any HTTP framework:
// the subscription validation handshake (echo `validationToken` as text/plain within 10 s)
// and the check of each notification's `clientState` in constant time. A notification only
// triggers a sync of its subscription's connection; it is never trusted as data.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface GraphNotification {
  subscriptionId?: string;
  clientState?: string;
  changeType?: string;
  resource?: string;
  /** Lifecycle notifications: reauthorizationRequired, missed, subscriptionRemoved. */
  lifecycleEvent?: string;
}

export type WebhookAnswer =
  | { status: 200; contentType: 'text/plain'; body: string }
  | { status: 202; accepted: GraphNotification[]; rejected: number }
  | { status: 400 | 403; body: string };

/** Compares two secrets in time that does not depend on where they differ (hashes equalise lengths). */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/**
 * One POST to the notification URL. `clientStateOf` gives the clientState we set when
 * creating the subscription (null: not one of ours). Notifications with a wrong or missing
 * clientState are dropped; if none is valid the request is refused with 403.
 */
export function handleGraphWebhook(
  query: URLSearchParams,
  body: unknown,
  clientStateOf: (subscriptionId: string) => string | null,
): WebhookAnswer {
  const token = query.get('validationToken');
  if (token !== null) return { status: 200, contentType: 'text/plain', body: token };
  const value = (body as { value?: unknown })?.value;
  if (!Array.isArray(value)) return { status: 400, body: 'expected a JSON object with a "value" array' };
  const accepted: GraphNotification[] = [];
  let rejected = 0;
  for (const n of value as GraphNotification[]) {
    const expected = n?.subscriptionId ? clientStateOf(n.subscriptionId) : null;
    if (expected !== null && sameSecret(n.clientState, expected)) accepted.push(n);
    else rejected++;
  }
  if (accepted.length === 0 && rejected > 0) return { status: 403, body: 'clientState does not match any subscription of ours' };
  return { status: 202, accepted, rejected };
}
