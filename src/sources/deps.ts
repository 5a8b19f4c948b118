// What every directory-source connector is given besides its settings and secret (the third
// argument of `create<Kind>Source(settings, secret, deps)`).
import type { OutboundPolicy } from '../net/outbound-policy.js';

export interface SourceDeps {
  /** The sync's clock (daily rate-limit resets are counted from it); never the real clock. */
  now: () => Date;
  /** Where the connector may connect: every request's address is checked (DNS rebinding included). */
  outbound: OutboundPolicy;
  /** Tests and benches may hand a fetch; connectors on a client without one ignore it. */
  fetch?: typeof globalThis.fetch;
}
