// What every sync, directory change and troubleshooter call needs: the store, the
// workspace and the clock, passed in (never read inside a rule).
import { createHmac } from 'node:crypto';
import { loadConfig } from '../config/load.js';
import type { ProviderSettings } from '../config/schema.js';
import type { Decision } from '../domain/decision.js';
import { createSecrets, type Secrets } from '../secrets/secrets.js';
import type { ConnectionRecord } from './connections.js';
import type { Store } from './db.js';
import type { WorkspaceRecord } from './workspaces.js';
import { unicodeSpelling } from '../directory/address.js';
import { DirectoryIndex } from '../directory/index.js';
import { loadDirectory } from './directory.js';

export interface Ctx {
  db: Store;
  ws: WorkspaceRecord;
  now: Date;
  /** Who is acting, for the audit log ("cli", an API token's name, "sync"). */
  actor: string;
  /** From where, for the audit log: the client address (API), "cli"; absent in jobs nobody asked for. */
  origin?: string;
  /** Told of every email/meeting decided while syncing (metrics); never changes a decision. */
  onDecision?: (kind: 'email' | 'meeting', decision: Decision) => void;
  /**
   * Told when a sync finds a connection's grant gone and sets it to needs_reauth (the service
   * alerts its teammate, app/alerts.ts). A failure here never fails the sync.
   */
  onNeedsReauth?: (conn: ConnectionRecord, words: string) => Promise<unknown>;
  /**
   * What connectors need to reach a provider (syncing, re-reading mail, push): the process's
   * key and the provider settings, both from the Config the entry point read once. Absent in
   * contexts that never talk to a provider.
   */
  connectors?: ConnectorDeps;
}

export interface ConnectorDeps {
  secrets: Secrets;
  settings: ProviderSettings;
}

let unconfigured: ConnectorDeps | undefined;

/**
 * The connector dependencies of a context. One built without them (a test, a tool that only
 * reads files) behaves like a process configured with nothing: folder connections work,
 * anything needing the key or an OAuth app says which variable is not set.
 */
export function connectorDeps(ctx: Pick<Ctx, 'connectors'>): ConnectorDeps {
  unconfigured ??= { secrets: createSecrets(undefined), settings: loadConfig({}) };
  return ctx.connectors ?? unconfigured;
}

/** HMAC of a normalized address with the workspace's key: lets not-linked mail be found
 * again when an end user is added, without keeping the address itself. */
export function hashAddress(ctx: Pick<Ctx, 'ws'>, normalized: string): string {
  return createHmac('sha256', ctx.ws.hashKey).update(normalized).digest('hex').slice(0, 32);
}

/**
 * The keyed hashes a normalized address may be stored under, its own first. An address on an
 * internationalised domain was hashed in its Unicode spelling before 2026-12-07 (the domain's
 * ASCII form is canonical since): not-linked mail and tombstones kept no address to hash it
 * again from (migration 017), so a look-up by address also asks for that spelling's hash.
 */
export function addressHashes(ctx: Pick<Ctx, 'ws'>, normalized: string): string[] {
  const h = hashAddress(ctx, normalized);
  const unicode = unicodeSpelling(normalized);
  return unicode === undefined ? [h] : [h, hashAddress(ctx, unicode)];
}

export async function loadDirectoryIndex(ctx: Ctx): Promise<DirectoryIndex> {
  return new DirectoryIndex(await loadDirectory(ctx.db, ctx.ws.id, ctx.ws.internalDomains));
}
