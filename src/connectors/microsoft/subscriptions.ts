// Graph change-notification subscriptions of one connection (Inbox and SentItems
// `created`, events `created,updated,deleted`), kept in the stream's cursor: id, resource,
// expiry and a random clientState stored encrypted. Each sync creates missing ones and
// renews those that expire within a day (or that a lifecycle notification flagged); a
// renewal answered 404 (subscription removed) creates a new one. Failures here never fail
// the sync: polling still finds everything, and the reason shows as a per-item error.
import { randomBytes } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import { decryptSecret, encryptSecret, keyFromEnv, type SecretKey } from '../../store/secrets.js';
import type { ItemError } from '../types.js';
import { SourceError } from '../types.js';
import { graphCall, GraphHttpError, type CallContext } from './call.js';

/** Graph caps Outlook resources at 7 days; we ask for 3 and renew with a day to spare. */
export const SUBSCRIPTION_LIFETIME_MS = 3 * 24 * 3_600_000;
export const RENEW_BEFORE_MS = 24 * 3_600_000;

export interface SubscriptionState {
  id: string;
  resource: string;
  changeType: string;
  expiresAt: string;
  clientStateEnc: string;
  /** Set by a lifecycle notification (reauthorizationRequired, subscriptionRemoved). */
  renewNow?: boolean;
}

export interface Subscriptions extends CallContext {
  client: Client;
  /** This connection's notification URL (…/v1/push/microsoft/<workspace>/<connection>). */
  notificationUrl: string;
  now: () => Date;
  /** Per-item errors of the last maintenance (a sync page reports them). */
  errors: ItemError[];
}

export interface WantedSubscription { key: string; resource: string; changeType: string }

interface GraphSubscription { id: string; expirationDateTime?: string; resource?: string }

export async function maintainSubscriptions(s: Subscriptions, current: Record<string, SubscriptionState>, wanted: WantedSubscription[]): Promise<Record<string, SubscriptionState>> {
  const out: Record<string, SubscriptionState> = {};
  const now = s.now();
  const expires = new Date(now.getTime() + SUBSCRIPTION_LIFETIME_MS).toISOString();
  for (const w of wanted) {
    const have = current[w.key];
    try {
      if (have && have.resource === w.resource && !have.renewNow && Date.parse(have.expiresAt) - now.getTime() > RENEW_BEFORE_MS) {
        out[w.key] = have;
        continue;
      }
      if (have && have.resource === w.resource && Date.parse(have.expiresAt) > now.getTime()) {
        try {
          const r = await graphCall(s, `renew subscription ${w.key}`, () => s.client.api(`subscriptions/${have.id}`).patch({ expirationDateTime: expires }) as Promise<GraphSubscription>);
          const { renewNow: _flag, ...kept } = have;
          out[w.key] = { ...kept, expiresAt: r.expirationDateTime ?? expires };
          continue;
        } catch (err) {
          if (!(err instanceof GraphHttpError && err.status === 404)) throw err; // removed: create anew
        }
      }
      const clientState = randomBytes(32).toString('base64url');
      const r = await graphCall(s, `create subscription ${w.key}`, () => s.client.api('subscriptions').post({
        changeType: w.changeType, notificationUrl: s.notificationUrl, lifecycleNotificationUrl: s.notificationUrl,
        resource: w.resource, expirationDateTime: expires, clientState,
      }) as Promise<GraphSubscription>);
      out[w.key] = { id: r.id, resource: w.resource, changeType: w.changeType, expiresAt: r.expirationDateTime ?? expires, clientStateEnc: encryptSecret(clientState, keyFromEnv()) };
    } catch (err) {
      if (err instanceof SourceError && err.code === 'AUTH_FAILED') throw err;
      if (have) out[w.key] = have;
      s.errors.push({ where: `graph subscription ${w.key}`, reason: `could not set up change notifications (${(err as Error).message}); polling continues` });
    }
  }
  return out;
}

/** subscription id → clientState, for the notification endpoint. */
export function clientStates(cursors: unknown[], key: SecretKey): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of cursors) {
    const subs = (c as { subscriptions?: Record<string, SubscriptionState> } | null)?.subscriptions;
    for (const s of Object.values(subs ?? {})) {
      try { out.set(s.id, decryptSecret(s.clientStateEnc, key)); } catch { /* another key: not ours to accept */ }
    }
  }
  return out;
}

/** A lifecycle notification asks for a renewal (or a new subscription) at the next sync. */
export function flagForRenewal(cursor: unknown, subscriptionId: string): boolean {
  const subs = (cursor as { subscriptions?: Record<string, SubscriptionState> } | null)?.subscriptions;
  let changed = false;
  for (const s of Object.values(subs ?? {})) if (s.id === subscriptionId && !s.renewNow) { s.renewNow = true; changed = true; }
  return changed;
}
