// What a completed Google or Microsoft sign-in does: create the teammate's connection of that
// provider, or re-authorize the one they have (authorized_at kept, SPEC E2, so the outage is
// caught up), with the refresh token stored encrypted; then ask for a sync at once.
import type { Provider } from '../domain/connection.js';
import type { Teammate } from '../domain/directory.js';
import { encryptSecret } from '../secrets/secrets.js';
import { createConnection, listConnections, updateConnection } from '../store/connections.js';
import { requireSecretKey, requireTeammate, type AppDeps } from './deps.js';
import { audit } from './audit.js';
import { requireOwnOrAdmin } from './roles.js';

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
  await requireOwnOrAdmin(deps, teammate.id, `connect or re-authorize ${teammate.email}'s account`);
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
  await audit(deps, prior ? 'connection.reauthorize' : 'connection.connect', id, { provider: kind.provider, teammate: teammate.email });
  await deps.requestSync?.(id, 'sync_now');
  return id;
}

/**
 * Before a browser is sent to the provider: the teammate must exist and be the caller's to
 * connect (an admin: anyone; a CSM: its own teammate), so a CSM cannot start a grant that would
 * re-point a colleague's mailbox. The callback checks again, as whoever started it.
 */
export async function authorizeGrantStart(deps: AppDeps, input: { teammate: string }): Promise<Teammate> {
  const t = await requireTeammate(deps, input.teammate);
  await requireOwnOrAdmin(deps, t.id, `connect or re-authorize ${t.email}'s account`);
  return t;
}
