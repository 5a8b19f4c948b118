// Builds Gmail / Google Calendar sources from a stored connection. Both share the
// connection's token holder (one refresh at a time per connection).
import type { ConnectionConfig } from '../registry.js';
import { SourceError } from '../types.js';
import { googleSettingsFromEnv, googleTokensFor } from './auth.js';

function common(c: ConnectionConfig) {
  if (!c.authorizedAt) throw new SourceError('INTERNAL', 'the connection has no authorization time');
  const settings = googleSettingsFromEnv();
  const tokens = googleTokensFor(c, settings);
  const pageSize = typeof c.config.pageSize === 'number' ? c.config.pageSize : undefined;
  return { tokens, authorizedAt: c.authorizedAt, ...(settings.rootUrl ? { rootUrl: settings.rootUrl } : {}), ...(pageSize ? { pageSize } : {}) };
}

export async function gmailSourceFor(c: ConnectionConfig) {
  const { GmailMailSource } = await import('../gmail/gmail-mail-source.js');
  return new GmailMailSource(common(c));
}

export async function googleCalendarSourceFor(c: ConnectionConfig) {
  const { GoogleCalendarSource } = await import('../google-calendar/google-calendar-source.js');
  return new GoogleCalendarSource(common(c));
}
