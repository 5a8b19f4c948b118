// What a completed Google or Microsoft sign-in does: create the teammate's connection of that
// provider, or re-authorize the one they have (authorized_at kept, SPEC E2, so the outage is
// caught up), with the refresh token stored encrypted; then ask for a sync at once.
import type { Provider } from '../domain/connection.js';
import type { Teammate } from '../domain/directory.js';
import { encryptSecret } from '../secrets/secrets.js';
import { createConnection, listConnections, updateConnection } from '../store/connections.js';
import { requireSecretKey, type AppDeps } from './deps.js';

export interface GrantedConnection {
  provider: Provider;
  hasMail: boolean;
  hasCalendar: boolean;
}

/** Returns the connection's id. */
export async function connectOrReauthorizeGrant(
  deps: AppDeps,
  input: { teammate: Teammate; connection: GrantedConnection; refreshToken: string },
): Promise<string> {
  const { teammate, connection: kind } = input;
  const secretEnc = encryptSecret(input.refreshToken, requireSecretKey(deps));
  const prior = (await listConnections(deps.db, deps.ws.id)).find(
    (c) => c.provider === kind.provider && c.teammateId === teammate.id && c.status !== 'disconnected',
  );
  let id: string;
  if (prior) {
    await updateConnection(deps.db, deps.ws.id, prior.id, {
      secretEnc,
      status: 'active',
      statusReason: null,
      lastError: null,
      nextSyncAt: deps.now,
    });
    id = prior.id;
  } else {
    id = await createConnection(
      deps.db,
      deps.ws.id,
      {
        teammateId: teammate.id,
        provider: kind.provider,
        config: {},
        secretEnc,
        hasMail: kind.hasMail,
        hasCalendar: kind.hasCalendar,
        authorizedAt: deps.now,
      },
      deps.now,
    );
  }
  await deps.requestSync?.(id, 'sync_now');
  return id;
}
