// A webhook URL is checked when it is saved, not only when an event is delivered: an admin
// learns at once that an address inside the server's network is refused, and nothing is
// stored for the deliverer to try. Delivery still re-checks at connect time (DNS rebinding).
// A name that does not resolve is refused with the same words as one that resolves to a
// private address, so this answer tells nothing about the server's network either.
import type { OutboundPolicy } from '../net/outbound-policy.js';
import { AppError } from './errors.js';

const WHY =
  'refused by policy: a webhook must reach a public internet address, with no user name or password in the URL (an operator can allow other hosts with TOUCHPOINT_OUTBOUND_ALLOW)';

/** Throws AppError('refused_by_policy') naming the field when the outbound policy refuses `url`. */
export async function checkWebhookUrl(policy: OutboundPolicy, url: string, field = 'url'): Promise<void> {
  const verdict = await policy.checkUrl(url);
  if (!verdict.allowed) throw new AppError('refused_by_policy', `${field}: ${WHY}`, [{ field, message: WHY }]);
}
