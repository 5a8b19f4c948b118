// Graph's change notifications in the Microsoft 365 emulator (microsoft-calendar.ts builds on this):
// subscriptions POST/PATCH/DELETE and /reauthorize (with the validation handshake against the
// notification URLs, and the lifetime cap per resource), change notifications, lifecycle
// notifications (reauthorizationRequired, subscriptionRemoved, missed), and Graph's error body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MicrosoftIdentityEmulator } from './microsoft-identity.js';
import { UNMATCHED } from './emulator-http.js';

export interface Subscription {
  id: string;
  resource: string;
  changeType: string;
  clientState: string;
  notificationUrl: string;
  /** Where lifecycle notifications go (reauthorizationRequired, subscriptionRemoved, missed). */
  lifecycleNotificationUrl?: string;
  expirationDateTime: string;
  /** A reauthorizationRequired was sent and not answered yet: change notifications are held. */
  needsReauthorization?: boolean;
  /** Change notifications that could not be delivered since the last `missed`. */
  undelivered?: number;
}

/** The lifecycle events Graph sends (https://learn.microsoft.com/graph/change-notifications-lifecycle-events). */
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export abstract class MicrosoftSubscriptionsEmulator extends MicrosoftIdentityEmulator {
  readonly subscriptions = new Map<string, Subscription>();

  /** POST /subscriptions validates the notification URL first, as Graph does. */
  validateNotificationUrl = true;

  /** POST /subscriptions fails as when the notification URL cannot be validated. */
  refuseSubscriptions = false;

  /** The emulator's clock for subscription expiry (tests set it to their service clock). */
  nowMs = () => Date.now();

  /**
   * Longest subscription lifetime per resource, in minutes. Graph's subscription resource
   * type page (https://learn.microsoft.com/graph/api/resources/subscription#subscription-lifetime)
   * has long given 4,230 minutes (under 3 days) for Outlook messages, events and contacts;
   * newer revisions give 10,080 (7 days). The emulator enforces the lower, documented-longest
   * figure, so code that asks for more fails here as it would on a tenant that enforces it.
   */
  maxLifetimeMinutes: { match: RegExp; minutes: number }[] = [
    { match: /messages|events|contacts/i, minutes: 4230 },
    { match: /.*/, minutes: 4230 },
  ];

  /**
   * Lifecycle notifications, as https://learn.microsoft.com/graph/change-notifications-lifecycle-events
   * describes them: POSTed to the subscription's lifecycleNotificationUrl (none: none sent), a
   * `value` array of {subscriptionId, subscriptionExpirationDateTime, tenantId, clientState,
   * lifecycleEvent}. Returns the HTTP status the app answered.
   */
  async lifecycle(s: Subscription, lifecycleEvent: LifecycleEvent): Promise<number> {
    if (!s.lifecycleNotificationUrl) throw new Error(`subscription ${s.id} has no lifecycleNotificationUrl`);
    const n = {
      subscriptionId: s.id,
      subscriptionExpirationDateTime: s.expirationDateTime,
      tenantId: 'tenant-1',
      clientState: s.clientState,
      lifecycleEvent,
    };
    const r = await fetch(s.lifecycleNotificationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [n] }),
    });
    return r.status;
  }

  /**
   * "The access token is about to expire" (the page's reauthorizationRequired): change
   * notifications are held until the app reauthorizes (POST …/reauthorize) or renews (PATCH).
   */
  async requireReauthorization(subscriptionId: string): Promise<number> {
    const s = this.subscriptions.get(subscriptionId);
    if (!s) throw new Error(`no subscription ${subscriptionId}`);
    s.needsReauthorization = true;
    return this.lifecycle(s, 'reauthorizationRequired');
  }

  /** Graph removed the subscription (subscriptionRemoved): it is gone, and no more notifications come. */
  async removeSubscription(subscriptionId: string): Promise<number> {
    const s = this.subscriptions.get(subscriptionId);
    if (!s) throw new Error(`no subscription ${subscriptionId}`);
    this.subscriptions.delete(s.id);
    return this.lifecycle(s, 'subscriptionRemoved');
  }

  /** Change notifications could not be delivered for a while: Graph says so once (missed). */
  async sendMissed(subscriptionId: string): Promise<number> {
    const s = this.subscriptions.get(subscriptionId);
    if (!s) throw new Error(`no subscription ${subscriptionId}`);
    s.undelivered = 0;
    return this.lifecycle(s, 'missed');
  }

  /**
   * A change happened on `resource`: each live subscription to it gets a change notification,
   * unless it waits for reauthorization or `dropDeliveries` is set (the endpoint unreachable):
   * then it is counted as undelivered, for a later `missed`. Returns the statuses delivered.
   */
  async changed(resource: string): Promise<number[]> {
    const out: number[] = [];
    for (const s of [...this.subscriptions.values()].filter((x) => x.resource === resource)) {
      if (s.needsReauthorization || this.dropDeliveries) s.undelivered = (s.undelivered ?? 0) + 1;
      else out.push((await this.notify(s.id)).status);
    }
    return out;
  }

  /** While true, change notifications are lost on the way (counted for `missed`). */
  dropDeliveries = false;

  /** POSTs a change notification for one of our subscriptions, as Graph would. */
  async notify(subscriptionId: string, over: { clientState?: string; lifecycleEvent?: string } = {}): Promise<Response> {
    const s = this.subscriptions.get(subscriptionId);
    if (!s) throw new Error(`no subscription ${subscriptionId}`);
    const n = {
      subscriptionId,
      clientState: over.clientState ?? s.clientState,
      tenantId: 'tenant-1',
      subscriptionExpirationDateTime: s.expirationDateTime,
      ...(over.lifecycleEvent
        ? { lifecycleEvent: over.lifecycleEvent }
        : { changeType: 'created', resource: s.resource, resourceData: { '@odata.type': '#Microsoft.Graph.Message', id: 'x' } }),
    };
    return fetch(s.notificationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [n] }),
    });
  }

  protected graphError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    this.send(
      res,
      status,
      { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': `req-${this.log.length}` } } },
      headers,
    );
  }

  /**
   * A requested expiry beyond the resource's cap: Graph answers 400 with this body (subscription
   * create / update pages: "Subscription expiration can only be 4230 minutes in the future").
   */
  protected overCap(res: ServerResponse, resource: string, expirationDateTime: string): boolean {
    const cap = this.maxLifetimeMinutes.find((c) => c.match.test(resource))!.minutes;
    const asked = Date.parse(expirationDateTime);
    if (!Number.isNaN(asked) && asked - this.nowMs() <= cap * 60_000) return false;
    this.graphError(
      res,
      400,
      'ExtensionError',
      `Operation: Create; Exception: [Status Code: BadRequest; Reason: Subscription expiration can only be ${cap} minutes in the future.]`,
    );
    return true;
  }

  /** The /v1.0/subscriptions routes; UNMATCHED for any other path. */
  // biome-ignore lint/suspicious/noConfusingVoidType: each route returns what send() returns (void), as the other routes do
  protected async subscriptionRoutes(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void | typeof UNMATCHED> {
    let m: RegExpExecArray | null;
    if (u.pathname === '/v1.0/subscriptions' && req.method === 'POST') {
      const b = JSON.parse(await this.body(req)) as Subscription;
      if (this.overCap(res, b.resource ?? '', b.expirationDateTime)) return;
      if (this.refuseSubscriptions) {
        return this.graphError(
          res,
          400,
          'ValidationError',
          'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
        );
      }
      // With webhooks both endpoints are validated (change-notifications-lifecycle-events).
      for (const url of this.validateNotificationUrl ? new Set([b.notificationUrl, b.lifecycleNotificationUrl ?? b.notificationUrl]) : []) {
        const token = `validation-${Math.random().toString(36).slice(2)}`;
        const r = await fetch(`${url}?validationToken=${encodeURIComponent(token)}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
        }).catch(() => null);
        if (r?.status !== 200 || (await r.text()) !== token) {
          return this.graphError(
            res,
            400,
            'ValidationError',
            'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
          );
        }
      }
      const s: Subscription = {
        id: `sub-${++this.tokenCount}`,
        resource: b.resource,
        changeType: b.changeType,
        clientState: b.clientState,
        notificationUrl: b.notificationUrl,
        ...(b.lifecycleNotificationUrl ? { lifecycleNotificationUrl: b.lifecycleNotificationUrl } : {}),
        expirationDateTime: b.expirationDateTime,
      };
      this.subscriptions.set(s.id, s);
      return this.send(res, 201, { '@odata.context': `${this.url}/v1.0/$metadata#subscriptions/$entity`, ...s });
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/subscriptions\/([^/]+)\/reauthorize$/.exec(u.pathname)) && req.method === 'POST') {
      // https://learn.microsoft.com/graph/api/subscription-reauthorize: 204, notifications resume.
      const s = this.subscriptions.get(decodeURIComponent(m[1]!));
      if (!s) return this.graphError(res, 404, 'ResourceNotFound', 'The object was not found.');
      s.needsReauthorization = false;
      return this.send(res, 204, undefined);
    }
    // biome-ignore lint/suspicious/noAssignInExpressions: route table: match the path, then read its groups in the branch
    if ((m = /^\/v1\.0\/subscriptions\/([^/]+)$/.exec(u.pathname))) {
      const s = this.subscriptions.get(decodeURIComponent(m[1]!));
      if (!s) return this.graphError(res, 404, 'ResourceNotFound', 'The object was not found.');
      if (req.method === 'PATCH') {
        const b = JSON.parse(await this.body(req)) as { expirationDateTime?: string };
        if (b.expirationDateTime && this.overCap(res, s.resource, b.expirationDateTime)) return;
        if (b.expirationDateTime) s.expirationDateTime = b.expirationDateTime;
        // The lifecycle page: renewing (PATCH) also reauthorizes a subscription.
        s.needsReauthorization = false;
        return this.send(res, 200, s);
      }
      if (req.method === 'DELETE') {
        this.subscriptions.delete(s.id);
        return this.send(res, 204, undefined);
      }
      return this.send(res, 200, s);
    }
    return UNMATCHED;
  }
}
