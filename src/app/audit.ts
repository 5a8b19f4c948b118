// Every state-changing use case leaves an audit entry: who (the token's name or "cli"), when
// (the use case's `now`), what (an action and its target) and from where (the client address,
// or "cli"). Details name things (ids, names, roles, hosts) and never hold a secret: no
// password, token value, webhook secret or URL credentials.
import { recordAudit } from '../store/audit.js';
import type { Ctx } from '../store/context.js';

export async function audit(ctx: Ctx, action: string, target: string, details: Record<string, unknown> = {}): Promise<void> {
  await recordAudit(ctx.db, ctx.ws.id, {
    at: ctx.now.toISOString(),
    actor: ctx.actor,
    action,
    target,
    details,
    source: ctx.origin ?? null,
  });
}
