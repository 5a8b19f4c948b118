// Who may do what, decided in the use case so every face (API, CLI, MCP) enforces the same
// table (docs/security.md, "Role table"). An admin token may do everything in its workspace.
// A CSM token reads, explains, searches and asks for "Sync now"; and when it is bound to a
// teammate, it may connect, re-authorize and disconnect that teammate's own connections —
// never a colleague's (re-pointing someone else's mailbox is the attack this stops). The
// operator (the CLI on the server, no caller) is trusted with everything.
import { teammateByAddress } from '../store/directory.js';
import type { AppDeps } from './deps.js';
import { AppError } from './errors.js';

export function requireAdmin(deps: Pick<AppDeps, 'caller'>, what: string): void {
  if (deps.caller && deps.caller.role !== 'admin') throw new AppError('forbidden', `only an admin may ${what}`);
}

/** Admins (and the operator) for anyone's connection; a CSM only for the teammate its token is bound to. */
export async function requireOwnOrAdmin(deps: AppDeps, teammateId: string, what: string): Promise<void> {
  const c = deps.caller;
  if (!c || c.role === 'admin') return;
  const own = c.teammate ? await teammateByAddress(deps.db, deps.ws.id, c.teammate) : undefined;
  if (own?.id === teammateId) return;
  throw new AppError(
    'forbidden',
    c.teammate
      ? `a CSM token may ${what} only for its own teammate (${c.teammate}); ask an admin`
      : `only an admin may ${what} (or a CSM token bound to that teammate: token create --teammate)`,
  );
}
