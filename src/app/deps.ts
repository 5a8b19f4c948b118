// What a use case is given: the request's Ctx (store, workspace, clock, actor) and, for the
// use cases that need them, the key that encrypts stored secrets and a way to start a sync.
// The faces build it (the API per request, the CLI per command); nothing here reads the
// environment.
import type { OutboundPolicy } from '../net/outbound-policy.js';
import type { SecretKey } from '../secrets/secrets.js';
import type { ConnectionRecord } from '../store/connections.js';
import { getConnection } from '../store/connections.js';
import type { Ctx } from '../store/context.js';
import { teammateByAddress } from '../store/directory.js';
import type { Teammate } from '../domain/directory.js';
import { AppError } from './errors.js';
import type { Role } from '../store/tokens.js';

/** Who asks, by role (the rules are in roles.ts). */
export interface Caller {
  role: Role;
  /** A CSM token's own teammate (address), or null. */
  teammate: string | null;
}

export type SyncReason = 'schedule' | 'sync_now';
/** queued: a worker starts it at once; already_queued: one is waiting (deduplicated); due_now: the embedded scheduler starts it at its next tick. */
export type SyncRequested = 'queued' | 'already_queued' | 'due_now';

export interface AppDeps extends Ctx {
  /** Who asks, by role (app/roles.ts); absent: the operator (the CLI on the server), who may do everything. */
  caller?: Caller;
  /** Encrypts stored passwords and tokens; null when the server has none configured. */
  secretKey?: SecretKey | null;
  /** Asks the running service to sync one connection of ctx.ws soon; absent where nothing runs syncs (the CLI's own commands sync in-process). */
  requestSync?: (connectionId: string, reason: SyncReason) => Promise<SyncRequested>;
  /** The same for a directory source (sources sync through the same queue and workers as mail). */
  requestSourceSync?: (sourceId: string) => Promise<SyncRequested>;
  /** Where servers may be (IMAP, CalDAV); default: the policy of the Config's TOUCHPOINT_OUTBOUND_ALLOW. */
  outbound?: OutboundPolicy;
}

export function requireSecretKey(deps: AppDeps): SecretKey {
  if (!deps.secretKey)
    throw new AppError(
      'conflict',
      'the server has no TOUCHPOINT_SECRET_KEY to keep passwords and tokens encrypted; an admin sets it (32+ characters) and restarts the service',
    );
  return deps.secretKey;
}

export async function requireConnection(deps: Ctx, id: string): Promise<ConnectionRecord> {
  const conn = await getConnection(deps.db, deps.ws.id, id);
  if (!conn) throw new AppError('not_found', `no connection "${id}"`);
  return conn;
}

export async function requireTeammate(deps: Ctx, address: string): Promise<Teammate> {
  const t = await teammateByAddress(deps.db, deps.ws.id, address);
  if (!t) throw new AppError('not_found', `no teammate with address ${address}: add them to the workspace first`);
  return t;
}

/** Nothing syncs a connection whose grant is gone or that was disconnected, until it is re-authorized. */
export function assertSyncable(conn: Pick<ConnectionRecord, 'id' | 'status'>): void {
  if (conn.status === 'needs_reauth' || conn.status === 'disconnected') {
    throw new AppError(
      'needs_reauth',
      `connection ${conn.id} ${conn.status === 'needs_reauth' ? 'needs re-authorization' : 'is disconnected'}: nothing syncs until it is re-authorized`,
    );
  }
}
