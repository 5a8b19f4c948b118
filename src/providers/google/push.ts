// Google push: Gmail `users.watch` (notifications through a Cloud Pub/Sub topic whose push
// subscription posts to /push/google/gmail) and Calendar `events.watch` channels (posted to
// /push/google/calendar). Both expire (Gmail after 7 days, channels after their ttl), so
// every successful sync renews whatever expires within a day; the regular poll keeps
// running underneath, so a lost or late push costs at most one interval. A push only
// triggers a sync: its content is never trusted as data.
//
// The watch state lives in the connection's config under `push`. A channel's token is a
// random secret we give Google and it echoes back on every notification: only its SHA-256
// is kept, compared in constant time.
import { calendar } from '@googleapis/calendar';
import { gmail } from '@googleapis/gmail';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ProviderSettings } from '../../config/schema.js';
import { sameSecret } from '../microsoft/notifications.js';
import type { GoogleTokens } from './auth.js';
import { googleCall, type RetryPolicy } from './call.js';

/** Renew a watch this long before it expires. */
export const RENEW_BEFORE_MS = 24 * 60 * 60_000;
/** Calendar channels are asked to live this long (Google may shorten it). */
export const CHANNEL_TTL_S = 7 * 24 * 60 * 60;

export interface GmailWatch {
  kind: 'gmail';
  /** The mailbox's address as Gmail names it in notifications. */
  emailAddress: string;
  topic: string;
  expiresAt: string;
}

export interface CalendarChannel {
  kind: 'calendar';
  channelId: string;
  resourceId: string;
  tokenSha256: string;
  address: string;
  expiresAt: string;
}

export type PushState = GmailWatch | CalendarChannel;

export interface PushSettings {
  /** Where Google posts calendar notifications: <public URL>/push/google/calendar. */
  publicUrl?: string;
  /** projects/<project>/topics/<topic>, with a push subscription to <public URL>/push/google/gmail?token=… */
  gmailTopic?: string;
}

/** Push from the Config (TOUCHPOINT_PUBLIC_URL, TOUCHPOINT_GOOGLE_PUBSUB_TOPIC); either unset: that push is off. */
export function pushSettings(s: ProviderSettings): PushSettings {
  return {
    ...(s.publicUrl ? { publicUrl: s.publicUrl.replace(/\/+$/, '') } : {}),
    ...(s.google.pubsubTopic ? { gmailTopic: s.google.pubsubTopic } : {}),
  };
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Whether a stored watch needs (re)creating now. */
export function needsRenewal(state: PushState | undefined, now: Date): boolean {
  return !state || Date.parse(state.expiresAt) - now.getTime() < RENEW_BEFORE_MS;
}

interface WatchDeps {
  tokens: GoogleTokens;
  rootUrl?: string;
  retry?: RetryPolicy;
}

/** users.watch on INBOX and SENT; returns the new state (Gmail renews an existing watch in place). */
export async function watchGmail(d: WatchDeps, topic: string): Promise<GmailWatch> {
  const api = gmail({ version: 'v1', auth: d.tokens.client, retry: false, ...(d.rootUrl ? { rootUrl: d.rootUrl } : {}) });
  const profile = await googleCall(d.tokens, 'users.getProfile', () => api.users.getProfile({ userId: 'me' }), d.retry);
  const res = await googleCall(
    d.tokens,
    'users.watch',
    () =>
      api.users.watch({
        userId: 'me',
        requestBody: { topicName: topic, labelIds: ['INBOX', 'SENT'], labelFilterBehavior: 'include' },
      }),
    d.retry,
  );
  return {
    kind: 'gmail',
    emailAddress: (profile.data.emailAddress ?? '').toLowerCase(),
    topic,
    expiresAt: new Date(Number(res.data.expiration)).toISOString(),
  };
}

/**
 * A new events.watch channel on the primary calendar; the old one (if any) is stopped
 * after the new one exists, so no change falls between them.
 */
export async function watchCalendar(d: WatchDeps, address: string, old?: CalendarChannel): Promise<CalendarChannel> {
  const api = calendar({ version: 'v3', auth: d.tokens.client, retry: false, ...(d.rootUrl ? { rootUrl: d.rootUrl } : {}) });
  const token = randomBytes(24).toString('base64url');
  const channelId = randomUUID();
  const res = await googleCall(
    d.tokens,
    'events.watch',
    () =>
      api.events.watch({
        calendarId: 'primary',
        requestBody: { id: channelId, type: 'web_hook', address, token, params: { ttl: String(CHANNEL_TTL_S) } },
      }),
    d.retry,
  );
  if (old) {
    // Best effort: an old channel that cannot be stopped simply expires; its notifications
    // no longer match a stored channel and are refused.
    await googleCall(
      d.tokens,
      'channels.stop',
      () => api.channels.stop({ requestBody: { id: old.channelId, resourceId: old.resourceId } }),
      d.retry,
    ).catch(() => undefined);
  }
  return {
    kind: 'calendar',
    channelId,
    resourceId: res.data.resourceId ?? '',
    tokenSha256: sha256(token),
    address,
    expiresAt: new Date(Number(res.data.expiration)).toISOString(),
  };
}

/**
 * Disconnect: stops the connection's Calendar channel (channels.stop). The Gmail watch is
 * left to expire (7 days): users.stop would end every watch on that mailbox, another
 * workspace's included, and its notifications are refused once the connection is gone.
 */
export async function stopWatch(d: WatchDeps, state: PushState): Promise<void> {
  if (state.kind !== 'calendar') return;
  const api = calendar({ version: 'v3', auth: d.tokens.client, retry: false, ...(d.rootUrl ? { rootUrl: d.rootUrl } : {}) });
  await googleCall(
    d.tokens,
    'channels.stop',
    () => api.channels.stop({ requestBody: { id: state.channelId, resourceId: state.resourceId } }),
    d.retry,
  );
}

/** A calendar notification's channel token against the stored hash, in constant time. */
export function channelTokenMatches(given: string | undefined, ch: CalendarChannel): boolean {
  return sameSecret(given === undefined ? undefined : sha256(given), ch.tokenSha256);
}
