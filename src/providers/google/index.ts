// Builds Gmail / Google Calendar sources from a stored connection. Both share the
// connection's token holder (one refresh at a time per connection).
import { type ConnectionConfig, SourceError } from '../types.js';
import { googleSettings, googleTokensFor } from './auth.js';

function common(c: ConnectionConfig) {
  if (!c.authorizedAt) throw new SourceError('INTERNAL', 'the connection has no authorization time');
  const settings = googleSettings(c.settings.google);
  const tokens = googleTokensFor(c, settings);
  const pageSize = typeof c.config.pageSize === 'number' ? c.config.pageSize : undefined;
  return {
    tokens,
    authorizedAt: c.authorizedAt,
    ...(settings.rootUrl ? { rootUrl: settings.rootUrl } : {}),
    ...(pageSize ? { pageSize } : {}),
  };
}

export async function gmailSourceFor(c: ConnectionConfig) {
  const { GmailMailSource } = await import('./gmail-mail-source.js');
  return new GmailMailSource(common(c));
}

/** The live lookup's Gmail search (search.ts). */
export async function gmailSearchFor(c: ConnectionConfig) {
  const { GmailMailSearch } = await import('./search.js');
  const { tokens, rootUrl } = common(c);
  return new GmailMailSearch({ tokens, ...(rootUrl ? { rootUrl } : {}) });
}

/** The live lookup's Google Calendar search (calendar-search.ts). */
export async function googleCalendarSearchFor(c: ConnectionConfig) {
  const { GoogleCalendarSearch } = await import('./calendar-search.js');
  const { tokens, rootUrl } = common(c);
  return new GoogleCalendarSearch({ tokens, ...(rootUrl ? { rootUrl } : {}) });
}

export async function googleCalendarSourceFor(c: ConnectionConfig) {
  const { GoogleCalendarSource } = await import('./calendar-source.js');
  return new GoogleCalendarSource(common(c));
}

/**
 * Creates or renews the connection's push watch when push is configured and the watch is
 * missing or expires within a day. Returns the config to save, or null when nothing changed.
 */
export async function maintainGooglePush(c: ConnectionConfig, now: Date): Promise<Record<string, unknown> | null> {
  const { needsRenewal, pushSettings, watchCalendar, watchGmail } = await import('./push.js');
  const push = pushSettings(c.settings);
  const state = c.config.push as import('./push.js').PushState | undefined;
  if (!needsRenewal(state, now)) return null;
  const { tokens, rootUrl } = common(c);
  const deps = { tokens, ...(rootUrl ? { rootUrl } : {}) };
  if (c.provider === 'gmail') {
    if (!push.gmailTopic) return null;
    return { ...c.config, push: await watchGmail(deps, push.gmailTopic) };
  }
  if (!push.publicUrl) return null;
  const old = state?.kind === 'calendar' ? state : undefined;
  return { ...c.config, push: await watchCalendar(deps, `${push.publicUrl}/push/google/calendar`, old) };
}

/** Disconnect: stops the connection's Calendar channel (see push.ts stopWatch). */
export async function stopGooglePush(c: ConnectionConfig): Promise<void> {
  const { stopWatch } = await import('./push.js');
  const state = c.config.push as import('./push.js').PushState | undefined;
  if (!state) return;
  const { tokens, rootUrl } = common(c);
  await stopWatch({ tokens, ...(rootUrl ? { rootUrl } : {}), retry: { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 5_000 } }, state);
}
