// Graph change-notification subscriptions of one `graph` connection: Inbox and SentItems
// (`created`) and events (`created,updated,deleted`), each with a random clientState kept
// encrypted in the connection's config under `push` (with id, resource and expiry). After
// each successful sync (sync/run-sync.ts → registry.maintainPush) missing ones are created
// and those that expire within a day, or that a lifecycle notification flagged
// (reauthorizationRequired, subscriptionRemoved), are renewed; a renewal answered 404 (the
// subscription is gone) creates a new one. Graph validates the notification URL when a
// subscription is created (src/api/routes/microsoft-notifications.ts answers it). A failure
// never fails the sync: it shows as the connection's "push notifications" error until fixed,
// and polling goes on.
import { randomBytes } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import { decryptSecret, type SecretKey, type Secrets } from '../../secrets/secrets.js';
import { graphCall, GraphHttpError, type CallContext } from './call.js';

/**
 * Graph caps Outlook message and event subscriptions at 4,230 minutes in the reference that
 * tenants have long enforced (newer pages say 10,080): we ask for 4,200 (30 minutes of slack
 * for clock skew) and renew with a day to spare. See docs/decisions.md.
 */
export const SUBSCRIPTION_LIFETIME_MS = 4_200 * 60_000;
export const RENEW_BEFORE_MS = 24 * 3_600_000;

export interface SubscriptionState {
  id: string;
  resource: string;
  changeType: string;
  expiresAt: string;
  clientStateEnc: string;
  /** Where it posts: a changed public URL means a new subscription. */
  notificationUrl: string;
  /** Set by a lifecycle notification: renew (or recreate) at the next sync. */
  renewNow?: boolean;
}

export interface GraphPushState {
  kind: 'graph';
  subscriptions: Record<string, SubscriptionState>;
}

export const WANTED = [
  { key: 'inbox', resource: "me/mailFolders('inbox')/messages", changeType: 'created' },
  { key: 'sentitems', resource: "me/mailFolders('sentitems')/messages", changeType: 'created' },
  { key: 'events', resource: 'me/events', changeType: 'created,updated,deleted' },
] as const;

export interface PushContext extends CallContext {
  client: Client;
  /** This connection's notification URL: <public URL>/push/microsoft/<workspace>/<connection>. */
  notificationUrl: string;
  /** Seals each subscription's clientState. */
  secrets: Secrets;
}

interface GraphSubscription {
  id: string;
  expirationDateTime?: string;
}

export function readPushState(config: Record<string, unknown>): GraphPushState | undefined {
  const p = config.push as GraphPushState | undefined;
  return p?.kind === 'graph' && p.subscriptions && typeof p.subscriptions === 'object' ? p : undefined;
}

function same(s: SubscriptionState | undefined, resource: string, notificationUrl: string): s is SubscriptionState {
  return !!s && s.resource === resource && s.notificationUrl === notificationUrl;
}

function due(s: SubscriptionState | undefined, resource: string, notificationUrl: string, now: Date): boolean {
  return !same(s, resource, notificationUrl) || !!s.renewNow || Date.parse(s.expiresAt) - now.getTime() < RENEW_BEFORE_MS;
}

/** Whether anything needs doing (no Graph call otherwise). */
export function needsMaintenance(state: GraphPushState | undefined, notificationUrl: string, now: Date): boolean {
  return WANTED.some((w) => due(state?.subscriptions[w.key], w.resource, notificationUrl, now));
}

/** Creates / renews what is due; returns the new state. Throws (after undoing this run's creations) on failure. */
export async function maintainSubscriptions(p: PushContext, state: GraphPushState | undefined, now: Date): Promise<GraphPushState> {
  const out: Record<string, SubscriptionState> = { ...(state?.subscriptions ?? {}) };
  const created: string[] = [];
  const expires = new Date(now.getTime() + SUBSCRIPTION_LIFETIME_MS).toISOString();
  try {
    for (const w of WANTED) {
      const have = out[w.key];
      if (!due(have, w.resource, p.notificationUrl, now)) continue;
      if (same(have, w.resource, p.notificationUrl) && Date.parse(have.expiresAt) > now.getTime()) {
        try {
          const r = await graphCall(
            p,
            `renewing the ${w.key} subscription`,
            () =>
              p.client
                .api(`subscriptions/${encodeURIComponent(have.id)}`)
                .patch({ expirationDateTime: expires }) as Promise<GraphSubscription>,
          );
          const { renewNow: _flag, ...kept } = have;
          out[w.key] = { ...kept, expiresAt: r.expirationDateTime ?? expires };
          continue;
        } catch (err) {
          if (!(err instanceof GraphHttpError && err.status === 404)) throw err; // removed: create anew
        }
      }
      const clientState = randomBytes(32).toString('base64url');
      const r = await graphCall(
        p,
        `creating the ${w.key} subscription`,
        () =>
          p.client.api('subscriptions').post({
            changeType: w.changeType,
            notificationUrl: p.notificationUrl,
            lifecycleNotificationUrl: p.notificationUrl,
            resource: w.resource,
            expirationDateTime: expires,
            clientState,
          }) as Promise<GraphSubscription>,
      );
      created.push(r.id);
      out[w.key] = {
        id: r.id,
        resource: w.resource,
        changeType: w.changeType,
        expiresAt: r.expirationDateTime ?? expires,
        clientStateEnc: p.secrets.encrypt(clientState),
        notificationUrl: p.notificationUrl,
      };
    }
  } catch (err) {
    // Subscriptions made in this run would be forgotten with the failed state: delete them.
    for (const id of created)
      await p.client
        .api(`subscriptions/${encodeURIComponent(id)}`)
        .delete()
        .catch(() => {});
    throw err;
  }
  return { kind: 'graph', subscriptions: out };
}

/** subscription id → clientState, for the notification endpoint. */
export function clientStates(state: GraphPushState | undefined, key: SecretKey): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of Object.values(state?.subscriptions ?? {})) {
    try {
      out.set(s.id, decryptSecret(s.clientStateEnc, key));
    } catch {
      /* sealed with another key: never matches */
    }
  }
  return out;
}

/** A lifecycle notification asks for a renewal (or a new subscription) at the next sync. */
export function flagForRenewal(state: GraphPushState | undefined, subscriptionId: string): boolean {
  let changed = false;
  for (const s of Object.values(state?.subscriptions ?? {}))
    if (s.id === subscriptionId && !s.renewNow) {
      s.renewNow = true;
      changed = true;
    }
  return changed;
}
