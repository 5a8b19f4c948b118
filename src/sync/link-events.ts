// Link changes as webhook events (activity.linked / activity.unlinked), written to the
// outbox in the same transaction as the links themselves. Only when the workspace has a
// webhook that wants them (store/webhooks.ts); otherwise this costs one small query.
import { enqueueWebhookEvents, type OutboxEvent } from '../store/webhooks.js';
import type { Ctx } from '../store/context.js';

export interface LinkDiff {
  kind: 'email' | 'meeting';
  id: string;
  /** Message-ID (or dedup key), or UID@start. */
  ref: string;
  /** The activity's time. */
  at: Date;
  before: string[];
  after: string[];
}

export function linkEvents(diffs: LinkDiff[]): OutboxEvent[] {
  const out: OutboxEvent[] = [];
  for (const d of diffs) {
    const base = { kind: d.kind, itemId: d.id, ref: d.ref, occurredAt: d.at.toISOString() };
    for (const a of d.after) if (!d.before.includes(a)) out.push({ event: 'activity.linked', data: { ...base, accountId: a } });
    for (const a of d.before) if (!d.after.includes(a)) out.push({ event: 'activity.unlinked', data: { ...base, accountId: a } });
  }
  return out;
}

export async function recordLinkChanges(ctx: Ctx, diffs: LinkDiff[]): Promise<void> {
  const events = linkEvents(diffs);
  if (events.length) await enqueueWebhookEvents(ctx.db, ctx.ws.id, events, ctx.now);
}

/** The accounts a decision links (none unless linked). */
export function linkedAccounts(d: { outcome: string; accounts: { id: string }[] }): string[] {
  return d.outcome === 'linked' ? d.accounts.map((a) => a.id) : [];
}
