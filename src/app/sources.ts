// Directory sources, the use cases every face calls: connect (or re-authorize) a source, list
// them with their health, sync now, disconnect. Secrets arrive already read (the CLI takes an
// env var's NAME, the API a body field) and are stored encrypted; no answer ever holds one.
import { encryptSecret } from '../secrets/secrets.js';
import { DEFAULT_MAPPING, readMapping, SOURCE_NAME, type AccountMatch, type SourceMapping } from '../sources/mapping.js';
import { SOURCE_KINDS, type SourceKind } from '../sources/types.js';
import { recordAudit } from '../store/audit.js';
import { connectorDeps, loadDirectoryIndex } from '../store/context.js';
import {
  createSource,
  deleteEndUserRows,
  deleteSourceRows,
  getSource,
  listSources,
  postponeDueSource,
  sourceOfKind,
  updateSource,
  type SourceRecord,
} from '../store/sources.js';
import { emptyReport, type Leftovers, redecideAddresses } from '../sync/redecide.js';
import { audit } from './audit.js';
import { checkServerUrl, outboundOf } from './connection-policy.js';
import { requireSecretKey, type AppDeps, type SyncRequested } from './deps.js';
import { AppError, invalid } from './errors.js';
import { requireAdmin } from './roles.js';
import { runSourceSync, type SourceSyncReport } from './source-sync.js';

export interface ConnectSourceInput {
  kind: SourceKind;
  /** hubspot { baseUrl? } · salesforce { instanceUrl, loginUrl?, clientId } · zendesk { url, email } */
  settings: Record<string, unknown>;
  secret: string;
  mapping?: Partial<SourceMapping>;
}

/** What every face shows of a source: no secret, ever. */
export interface SourceView {
  id: string;
  kind: string;
  /** The end users' `source`: crm:hubspot, crm:salesforce, support:zendesk. */
  source: string;
  status: string;
  problem: string | null;
  settings: Record<string, unknown>;
  mapping: SourceMapping;
  authorizedAt: string;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  nextSyncAt: string | null;
  counts: { added: number; updated: number; removed: number; skipped: number } | null;
  /** The last sync's skipped records (up to 100), with their reasons. */
  skipped: unknown[];
}

function view(s: SourceRecord): SourceView {
  return {
    id: s.id,
    kind: s.kind,
    source: SOURCE_NAME[s.kind as SourceKind] ?? s.kind,
    status: s.status,
    problem: s.statusReason,
    settings: s.settings,
    mapping: readMapping(s.mapping),
    authorizedAt: s.authorizedAt,
    lastSyncAt: s.lastSyncAt,
    lastSuccessAt: s.lastSuccessAt,
    nextSyncAt: s.nextSyncAt,
    counts: s.counts,
    skipped: Array.isArray(s.lastReport) ? s.lastReport : [],
  };
}

function text(settings: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const v = settings[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw invalid(`settings.${field}`, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`settings.${field}`, 'must be text');
  return v.trim();
}

function httpsUrl(field: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid(`settings.${field}`, `"${raw}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid(`settings.${field}`, 'must be an https URL');
  return raw.replace(/\/+$/, '');
}

/** The settings a kind keeps, checked; and the URLs the connector will call (checked against the outbound policy). */
function checkedSettings(kind: SourceKind, s: Record<string, unknown>): { settings: Record<string, unknown>; urls: string[] } {
  if (kind === 'hubspot') {
    const baseUrl = text(s, 'baseUrl', false);
    return baseUrl ? { settings: { baseUrl: httpsUrl('baseUrl', baseUrl) }, urls: [baseUrl] } : { settings: {}, urls: [] };
  }
  if (kind === 'salesforce') {
    const instanceUrl = httpsUrl('instanceUrl', text(s, 'instanceUrl', true)!);
    const loginUrl = text(s, 'loginUrl', false);
    const clientId = text(s, 'clientId', true)!;
    return {
      settings: { instanceUrl, clientId, ...(loginUrl ? { loginUrl: httpsUrl('loginUrl', loginUrl) } : {}) },
      urls: [instanceUrl, ...(loginUrl ? [loginUrl] : [])],
    };
  }
  const url = httpsUrl('url', text(s, 'url', true)!);
  const email = text(s, 'email', true)!;
  return { settings: { url, email }, urls: [url] };
}

const ACCOUNT_MATCHES: AccountMatch[] = ['source-id', 'domain', 'external-id'];

function checkedMapping(m: Partial<SourceMapping> | undefined, base: SourceMapping): SourceMapping {
  const out = { ...base, ...(m ?? {}) };
  if (!ACCOUNT_MATCHES.includes(out.accounts)) throw invalid('mapping.accounts', `must be one of ${ACCOUNT_MATCHES.join(', ')}`);
  if (out.companyDeleted !== 'keep-account' && out.companyDeleted !== 'remove-account') {
    throw invalid('mapping.companyDeleted', 'must be keep-account or remove-account');
  }
  if (
    out.emailFields !== null &&
    (!Array.isArray(out.emailFields) || !out.emailFields.length || out.emailFields.some((f) => typeof f !== 'string' || !f))
  ) {
    throw invalid('mapping.emailFields', 'must name at least one field (or be null for the primary email only)');
  }
  return out;
}

/**
 * Connects a source; connecting a kind the workspace already has re-authorizes it (a new
 * secret, new settings or mapping) and keeps its cursor, so a revoked token is fixed by
 * connecting again. The first sync is asked for at once.
 */
export async function connectSource(deps: AppDeps, input: ConnectSourceInput): Promise<{ source: SourceView; reauthorized: boolean }> {
  requireAdmin(deps, 'connect a directory source');
  const key = requireSecretKey(deps);
  if (!SOURCE_KINDS.includes(input.kind)) throw invalid('kind', `must be one of ${SOURCE_KINDS.join(', ')}`);
  if (!input.secret.trim()) throw invalid('secret', 'is empty');
  const { settings, urls } = checkedSettings(input.kind, input.settings);
  for (const u of urls) await checkServerUrl(outboundOf(deps), u);
  const existing = await sourceOfKind(deps.db, deps.ws.id, input.kind);
  const mapping = checkedMapping(input.mapping, existing ? readMapping(existing.mapping) : DEFAULT_MAPPING);
  const secretEnc = encryptSecret(input.secret.trim(), key);
  let id: string;
  if (existing) {
    id = existing.id;
    // A new mapping applies to every record, not only those changed from now on: sync from the start.
    const remap = JSON.stringify(mapping) !== JSON.stringify(readMapping(existing.mapping));
    if (remap) await updateSource(deps.db, deps.ws.id, id, { cursor: null });
    await deps.db
      .updateTable('sources')
      .set({
        settings: JSON.stringify(settings),
        secret_enc: secretEnc,
        mapping: JSON.stringify(mapping),
        next_sync_at: deps.now.toISOString(),
      })
      .where('workspace_id', '=', deps.ws.id)
      .where('id', '=', id)
      .execute();
    await updateSource(deps.db, deps.ws.id, id, { status: 'active', statusReason: null, lastError: null });
  } else {
    id = await createSource(deps.db, deps.ws.id, { kind: input.kind, settings, secretEnc, mapping: JSON.stringify(mapping) }, deps.now);
  }
  await audit(deps, existing ? 'source.reauthorize' : 'source.connect', id, { kind: input.kind, mapping });
  const asked = await deps.requestSourceSync?.(id);
  // A worker runs it now: the scheduler must not queue a second first sync behind it (which
  // would find nothing new and leave "0 added" as the card's last result). The sync, when it
  // ends, sets the real next time.
  if (asked === 'queued' || asked === 'already_queued')
    await postponeDueSource(
      deps.db,
      deps.ws.id,
      id,
      deps.now,
      new Date(deps.now.getTime() + connectorDeps(deps).settings.sourceSyncMinutes * 60_000),
    );
  const s = await getSource(deps.db, deps.ws.id, id);
  return { source: view(s!), reauthorized: !!existing };
}

export async function listDirectorySources(deps: AppDeps): Promise<SourceView[]> {
  return (await listSources(deps.db, deps.ws.id)).map(view);
}

async function requireSource(deps: AppDeps, id: string): Promise<SourceRecord> {
  const s = await getSource(deps.db, deps.ws.id, id);
  if (!s) throw new AppError('not_found', `no directory source "${id}"`);
  return s;
}

async function chosen(deps: AppDeps, sourceId: string | undefined): Promise<SourceRecord[]> {
  if (sourceId) return [await requireSource(deps, sourceId)];
  const all = await listSources(deps.db, deps.ws.id);
  if (!all.length) throw new AppError('not_found', 'no directory source is connected (touchpoint source connect …)');
  return all;
}

/** "Sync now" in the running service: each source's sync is queued (deduplicated while one waits).
 * Asked for every source, one that needs re-authorization is left out (its status says why);
 * asked for that one source, it is refused. */
export async function requestSourceSyncNow(
  deps: AppDeps,
  input: { sourceId?: string },
): Promise<{ sourceId: string; status: SyncRequested }[]> {
  if (!deps.requestSourceSync) throw new AppError('unavailable', 'no running service to start the sync');
  const out: { sourceId: string; status: SyncRequested }[] = [];
  for (const s of await chosen(deps, input.sourceId)) {
    if (s.status === 'needs_reauth') {
      if (!input.sourceId) continue;
      throw new AppError('needs_reauth', `source ${s.id} needs re-authorization: connect it again with a valid token`);
    }
    out.push({ sourceId: s.id, status: await deps.requestSourceSync(s.id) });
  }
  await audit(deps, 'source.sync_now', input.sourceId ?? '*', { sources: out.map((o) => o.sourceId) });
  return out;
}

/** A sync here and now (the CLI's `source sync`): the full report of each source. */
export async function syncSourcesHere(deps: AppDeps, input: { sourceId?: string }): Promise<SourceSyncReport[]> {
  requireAdmin(deps, 'run a directory sync in this process');
  const out: SourceSyncReport[] = [];
  for (const s of await chosen(deps, input.sourceId))
    out.push(await runSourceSync(deps, s.id, deps.outbound ? { outbound: deps.outbound } : {}));
  return out;
}

/** What a disconnect did: `deferred` and `unavailable` as a manual directory change reports them. */
export interface SourceDisconnected extends Leftovers {
  sourceId: string;
  removedEndUsers: number;
  linked: number;
  unlinked: number;
}

/**
 * Disconnect: the source stops syncing and its secret is deleted. Its end users stay (keep:
 * they become like imported ones, deleted by hand) or go (remove: their past mail re-decided).
 */
export async function disconnectSource(deps: AppDeps, input: { sourceId: string; users: 'keep' | 'remove' }): Promise<SourceDisconnected> {
  requireAdmin(deps, 'disconnect a directory source');
  const s = await requireSource(deps, input.sourceId);
  const name = SOURCE_NAME[s.kind as SourceKind] ?? s.kind;
  return deps.db.transaction().execute(async (trx) => {
    const tctx = { ...deps, db: trx };
    let removed: { id: string; email: string }[] = [];
    if (input.users === 'remove') {
      removed = await trx
        .selectFrom('end_users')
        .select(['id', 'email'])
        .where('workspace_id', '=', deps.ws.id)
        .where('source', '=', name)
        .execute();
      await deleteEndUserRows(
        trx,
        deps.ws.id,
        removed.map((r) => r.id),
      );
    }
    await deleteSourceRows(trx, deps.ws.id, s.id);
    const report = removed.length
      ? await redecideAddresses(
          tctx,
          await loadDirectoryIndex(tctx),
          removed.map((r) => r.email),
        )
      : emptyReport();
    await recordAudit(trx, deps.ws.id, {
      at: deps.now.toISOString(),
      actor: deps.actor,
      action: 'source.disconnect',
      target: s.id,
      details: {
        kind: s.kind,
        users: input.users,
        removedEndUsers: removed.length,
        linked: report.linked,
        unlinked: report.unlinked,
        unavailable: report.unavailable,
        deferred: report.deferred,
      },
      source: deps.origin ?? null,
    });
    return {
      sourceId: s.id,
      removedEndUsers: removed.length,
      linked: report.linked.length,
      unlinked: report.unlinked.length,
      unavailable: report.unavailable,
      deferred: report.deferred,
      deferredBecause: report.deferredBecause,
    };
  });
}
