// The optional outbound webhook of a workspace and its outbox. Events are written in the
// same transaction as the change they report (a transactional outbox), and only when the
// workspace has a webhook that wants them; delivery (service/webhooks.ts) retries with backoff.
import { randomUUID } from 'node:crypto';
import { chunksOf } from '../domain/chunks.js';
import type { Store } from './db.js';
import type { WebhookOutboxTable } from './schema.js';

export const WEBHOOK_EVENTS = ['activity.linked', 'activity.unlinked', 'connection.needs_reauth'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookConfig {
  url: string;
  secretEnc: string;
  events: WebhookEvent[];
  enabled: boolean;
}

export async function getWebhook(db: Store, ws: string): Promise<WebhookConfig | undefined> {
  const r = await db.selectFrom('webhooks').selectAll().where('workspace_id', '=', ws).executeTakeFirst();
  return r ? { url: r.url, secretEnc: r.secret_enc, events: JSON.parse(r.events) as WebhookEvent[], enabled: r.enabled === 1 } : undefined;
}

export async function putWebhook(db: Store, ws: string, c: WebhookConfig, now: Date): Promise<void> {
  const values = {
    url: c.url,
    secret_enc: c.secretEnc,
    events: JSON.stringify(c.events),
    enabled: c.enabled ? 1 : 0,
    updated_at: now.toISOString(),
  };
  await db
    .insertInto('webhooks')
    .values({ workspace_id: ws, created_at: now.toISOString(), ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
}

export async function deleteWebhook(db: Store, ws: string): Promise<boolean> {
  const r = await db.deleteFrom('webhooks').where('workspace_id', '=', ws).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export interface OutboxEvent {
  event: WebhookEvent;
  data: Record<string, unknown>;
}

/** Queue events for delivery if the workspace's webhook is enabled and subscribed. Returns how many. */
export async function enqueueWebhookEvents(db: Store, ws: string, events: OutboxEvent[], now: Date): Promise<number> {
  if (events.length === 0) return 0;
  const hook = await getWebhook(db, ws);
  if (!hook?.enabled) return 0;
  const wanted = events.filter((e) => hook.events.includes(e.event));
  const t = now.toISOString();
  const rows: WebhookOutboxTable[] = wanted.map((e) => {
    const id = randomUUID();
    return {
      id,
      workspace_id: ws,
      event: e.event,
      created_at: t,
      attempts: 0,
      next_attempt_at: t,
      state: 'pending',
      delivered_at: null,
      last_error: null,
      payload: JSON.stringify({ id, type: e.event, workspaceId: ws, createdAt: t, data: e.data }),
    };
  });
  for (const chunk of chunksOf(rows, 200)) await db.insertInto('webhook_outbox').values(chunk).execute();
  return rows.length;
}

export interface OutboxRow {
  id: string;
  workspaceId: string;
  event: string;
  payload: string;
  attempts: number;
}

/** Workspaces with events due for (re)delivery. */
export async function workspacesWithDueEvents(db: Store, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_outbox')
    .select('workspace_id')
    .distinct()
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now.toISOString())
    .execute();
  return rows.map((r) => r.workspace_id);
}

export async function dueEvents(db: Store, ws: string, now: Date, limit = 100): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom('webhook_outbox')
    .select(['id', 'workspace_id', 'event', 'payload', 'attempts'])
    .where('workspace_id', '=', ws)
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now.toISOString())
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id, event: r.event, payload: r.payload, attempts: r.attempts }));
}

export async function markDelivered(db: Store, id: string, now: Date): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ state: 'delivered', delivered_at: now.toISOString(), last_error: null })
    .where('id', '=', id)
    .execute();
}

/** A failed attempt: try again at `next`, or give up (state failed) when `next` is null. */
export async function markAttemptFailed(db: Store, id: string, attempts: number, error: string, next: Date | null): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ attempts, last_error: error, ...(next ? { next_attempt_at: next.toISOString() } : { state: 'failed' }) })
    .where('id', '=', id)
    .execute();
}

export async function outboxCounts(db: Store, ws?: string): Promise<Record<'pending' | 'delivered' | 'failed', number>> {
  let q = db
    .selectFrom('webhook_outbox')
    .select(['state', (eb) => eb.fn.countAll<string | number>().as('n')])
    .groupBy('state');
  if (ws) q = q.where('workspace_id', '=', ws);
  const out = { pending: 0, delivered: 0, failed: 0 };
  for (const r of await q.execute()) out[r.state] = Number(r.n);
  return out;
}

/**
 * Rows recorded before the outbound policy said "could not connect (ECONNREFUSED …)" or
 * "timed out": listed as plain "could not connect" like every failure since, so the list
 * tells no closed port from a filtered one.
 */
function listedError(e: string | null): string | null {
  return e !== null && /^(could not connect|timed out)/.test(e) ? 'could not connect' : e;
}

export async function listOutbox(
  db: Store,
  ws: string,
  limit = 50,
): Promise<(OutboxRow & { state: string; lastError: string | null; createdAt: string })[]> {
  const rows = await db
    .selectFrom('webhook_outbox')
    .selectAll()
    .where('workspace_id', '=', ws)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    event: r.event,
    payload: r.payload,
    attempts: r.attempts,
    state: r.state,
    lastError: listedError(r.last_error),
    createdAt: r.created_at,
  }));
}
