// Builds the Graph mail and calendar sources of one `graph` connection (mail + calendar in
// one connection, one consent). Both share the connection's token holder (one refresh at a
// time) and one limiter (at most 4 Graph requests in flight for the mailbox).
import type { ConnectionConfig } from '../registry.js';
import { SourceError } from '../types.js';
import { microsoftTokensFor, type MicrosoftTokens } from './auth.js';
import { Limiter } from './call.js';
import { graphClient } from './graph-client.js';
import { microsoftSettingsFromEnv } from './settings.js';
import type { Subscriptions } from './subscriptions.js';

export const MAX_CONCURRENT_PER_MAILBOX = 4;

const limiters = new WeakMap<MicrosoftTokens, Limiter>();

function common(c: ConnectionConfig) {
  if (!c.authorizedAt) throw new SourceError('INTERNAL', 'the connection has no authorization time');
  const settings = microsoftSettingsFromEnv();
  const tokens = microsoftTokensFor(c, settings);
  let limiter = limiters.get(tokens);
  if (!limiter) limiters.set(tokens, (limiter = new Limiter(MAX_CONCURRENT_PER_MAILBOX)));
  const client = graphClient(tokens, settings.graphBaseUrl);
  const pageSize = typeof c.config.pageSize === 'number' ? c.config.pageSize : undefined;
  const subscriptions: Subscriptions | undefined = settings.notificationUrl && c.id && c.workspaceId
    ? { tokens, limiter, client, notificationUrl: `${settings.notificationUrl}/${c.workspaceId}/${c.id}`, now: () => new Date(), errors: [] }
    : undefined;
  return { tokens, limiter, client, baseUrl: settings.graphBaseUrl, authorizedAt: c.authorizedAt, ...(pageSize ? { pageSize } : {}), ...(subscriptions ? { subscriptions } : {}) };
}

export async function graphMailSourceFor(c: ConnectionConfig) {
  const { GraphMailSource } = await import('./mail-source.js');
  return new GraphMailSource(common(c));
}

export async function graphCalendarSourceFor(c: ConnectionConfig) {
  const { GraphCalendarSource } = await import('./calendar-source.js');
  const owners = (c as { ownerAddresses?: string[] }).ownerAddresses ?? [];
  return new GraphCalendarSource({ ...common(c), ...(owners[0] ? { ownerAddress: owners[0] } : {}), ownerAddresses: owners });
}
