// The workspace's outbound webhook: set (create or replace; without a secret one is made up
// and returned once), read, delete, and its recent deliveries. Admins only; set and delete
// are audited with the receiver's address but never its secret or URL credentials.
import { randomBytes } from 'node:crypto';
import { encryptSecret } from '../secrets/secrets.js';
import { deleteWebhook, getWebhook, listOutbox, putWebhook, type WebhookEvent } from '../store/webhooks.js';
import type { AppDeps } from './deps.js';
import { audit } from './audit.js';
import { AppError, notFound } from './errors.js';
import { requireAdmin } from './roles.js';
import { checkWebhookUrl } from './webhook-url-policy.js';
import { outboundOf } from './connection-policy.js';

export interface WebhookInput {
  url: string;
  events: WebhookEvent[];
  enabled: boolean;
  secret?: string;
}

/** The URL as the audit log shows it: scheme, host and path; credentials and query (where secrets hide) left out. */
function auditedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

export async function setWebhook(
  deps: AppDeps,
  input: WebhookInput,
): Promise<{ url: string; events: WebhookEvent[]; enabled: boolean; secret?: string }> {
  requireAdmin(deps, 'manage the webhook');
  if (!deps.secretKey)
    throw new AppError('conflict', 'the server has no TOUCHPOINT_SECRET_KEY to keep webhook secrets encrypted; set it and restart');
  await checkWebhookUrl(outboundOf(deps), input.url);
  const made = input.secret ? undefined : randomBytes(32).toString('base64url');
  const secret = input.secret ?? made!;
  const { url, events, enabled } = input;
  const existed = (await getWebhook(deps.db, deps.ws.id)) !== undefined;
  await putWebhook(deps.db, deps.ws.id, { url, events, enabled, secretEnc: encryptSecret(secret, deps.secretKey) }, deps.now);
  await audit(deps, existed ? 'webhook.replace' : 'webhook.create', auditedUrl(url), { events, enabled });
  return { url, events, enabled, ...(made ? { secret: made } : {}) };
}

export async function readWebhook(deps: AppDeps): Promise<{ url: string; events: WebhookEvent[]; enabled: boolean }> {
  requireAdmin(deps, 'see the webhook');
  const hook = await getWebhook(deps.db, deps.ws.id);
  if (!hook) throw notFound('webhook');
  return { url: hook.url, events: hook.events, enabled: hook.enabled };
}

export async function removeWebhook(deps: AppDeps): Promise<void> {
  requireAdmin(deps, 'manage the webhook');
  const hook = await getWebhook(deps.db, deps.ws.id);
  if (!hook || !(await deleteWebhook(deps.db, deps.ws.id))) throw notFound('webhook');
  await audit(deps, 'webhook.delete', auditedUrl(hook.url));
}

export async function webhookDeliveries(deps: AppDeps) {
  requireAdmin(deps, 'see webhook deliveries');
  return (await listOutbox(deps.db, deps.ws.id)).map(({ id, event, state, attempts, lastError, createdAt }) => ({
    id,
    event,
    state,
    attempts,
    lastError,
    createdAt,
  }));
}
