// Builds the Graph mail and calendar sources of one `graph` connection (mail + calendar in
// one connection, one consent), and keeps its change-notification subscriptions. All share
// the connection's token holder (one refresh at a time) and one limiter (at most 4 Graph
// requests in flight for the mailbox).
import { readFolderSettings } from '../folder-selection.js';
import { type ConnectionConfig, SourceError } from '../types.js';
import { microsoftTokensFor, type MicrosoftTokens } from './auth.js';
import { Limiter } from './call.js';
import { graphClient } from './graph-client.js';
import { checkUrl, microsoftSettings } from './settings.js';

export const MAX_CONCURRENT_PER_MAILBOX = 4;

const limiters = new WeakMap<MicrosoftTokens, Limiter>();

function common(c: ConnectionConfig) {
  if (!c.authorizedAt) throw new SourceError('INTERNAL', 'the connection has no authorization time');
  const settings = microsoftSettings(c.settings.microsoft);
  const tokens = microsoftTokensFor(c, settings);
  let limiter = limiters.get(tokens);
  if (!limiter) {
    limiter = new Limiter(MAX_CONCURRENT_PER_MAILBOX);
    limiters.set(tokens, limiter);
  }
  const client = graphClient(tokens, settings.graphBaseUrl);
  const pageSize = typeof c.config.pageSize === 'number' ? c.config.pageSize : undefined;
  return {
    settings,
    tokens,
    limiter,
    client,
    baseUrl: settings.graphBaseUrl,
    authorizedAt: c.authorizedAt,
    ...(pageSize ? { pageSize } : {}),
  };
}

export async function graphMailSourceFor(c: ConnectionConfig) {
  const { GraphMailSource } = await import('./mail-source.js');
  return new GraphMailSource({ ...common(c), folders: readFolderSettings(c.config) });
}

/** The live lookup's Graph mail search (search.ts). */
export async function graphMailSearchFor(c: ConnectionConfig) {
  const { GraphMailSearch } = await import('./search.js');
  const { tokens, limiter, client } = common(c);
  return new GraphMailSearch({ tokens, limiter, client, folders: readFolderSettings(c.config) });
}

/** The live lookup's Graph calendar search (calendar-search.ts). */
export async function graphCalendarSearchFor(c: ConnectionConfig) {
  const { GraphCalendarSearch } = await import('./calendar-search.js');
  const { tokens, limiter, client } = common(c);
  return new GraphCalendarSearch({ tokens, limiter, client, ownerAddresses: (c as { ownerAddresses?: string[] }).ownerAddresses ?? [] });
}

export async function graphCalendarSourceFor(c: ConnectionConfig) {
  const { GraphCalendarSource } = await import('./calendar-source.js');
  const owners = (c as { ownerAddresses?: string[] }).ownerAddresses ?? [];
  const now = c.now;
  // The window's end follows the sync's clock (--now, the service clock), not the machine's.
  if (!now) throw new SourceError('INTERNAL', "the Graph calendar needs the sync's clock (ConnectionConfig.now)");
  return new GraphCalendarSource({
    ...common(c),
    ...(owners[0] ? { ownerAddress: owners[0] } : {}),
    ownerAddresses: owners,
    now: () => now,
  });
}

/** After a successful sync: create / renew the subscriptions when push is configured; the config to save, or null. */
export async function maintainGraphPush(c: ConnectionConfig, now: Date): Promise<Record<string, unknown> | null> {
  const { needsMaintenance, maintainSubscriptions, readPushState } = await import('./subscriptions.js');
  const publicUrl = c.settings.publicUrl?.replace(/\/+$/, '');
  if (!publicUrl || !c.id || !c.workspaceId) return null;
  const notificationUrl = `${checkUrl('TOUCHPOINT_PUBLIC_URL', publicUrl)}/push/microsoft/${c.workspaceId}/${c.id}`;
  const state = readPushState(c.config);
  if (!needsMaintenance(state, notificationUrl, now)) return null;
  const { tokens, limiter, client } = common(c);
  return { ...c.config, push: await maintainSubscriptions({ tokens, limiter, client, notificationUrl, secrets: c.secrets }, state, now) };
}

/** Disconnect is not worth minutes of throttling: two tries, then the subscription simply expires. */
const STOP_RETRY = { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 5_000 };

/** Disconnect: deletes the connection's subscriptions (DELETE /subscriptions/{id}); one that is gone already is fine. */
export async function stopGraphPush(c: ConnectionConfig): Promise<void> {
  const { readPushState } = await import('./subscriptions.js');
  const state = readPushState(c.config);
  if (!state) return;
  const { tokens, limiter, client } = common(c);
  const { graphCall } = await import('./call.js');
  await Promise.all(
    Object.values(state.subscriptions).map((s) =>
      graphCall(
        { tokens, limiter, retry: STOP_RETRY },
        `deleting the ${s.resource} subscription`,
        () => client.api(`subscriptions/${encodeURIComponent(s.id)}`).delete() as Promise<unknown>,
      ).catch(() => undefined),
    ),
  );
}
