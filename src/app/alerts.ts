// Alerts in plain words (issue 17): a teammate whose connection needs re-authorization is
// emailed once per breakage and sees a banner; admins see a workspace alert when more than a
// set share of connections is broken, and get a daily digest if they asked for one.
import { normalizeAddress } from '../directory/address.js';
import { listConnections, type ConnectionRecord } from '../store/connections.js';
import {
  claimBreakage,
  claimDigest,
  listBreakages,
  listDigestSubscribers,
  markEmailed,
  resolveBreakage,
  setDigestSubscription,
} from '../store/alerts.js';
import { listTeammates, teammateByAddress } from '../store/directory.js';
import type { Ctx } from '../store/context.js';
import { digestEmail, fixWords, reauthEmail, type BrokenConnection } from './alert-words.js';
import { audit } from './audit.js';
import type { AppDeps } from './deps.js';
import { invalid } from './errors.js';
import type { Mailer } from './notify.js';
import { requireAdmin } from './roles.js';

/** What alerting needs besides the Ctx: the mailer (null: no SMTP configured), the link base and the threshold. */
export interface AlertSettings {
  mailer: Mailer | null;
  publicUrl?: string | undefined;
  /** Admins are alerted when more than this share (%) of connections is broken. */
  brokenPercent: number;
}

const DAY_MS = 24 * 60 * 60_000;
const mailboxOf = (c: Pick<ConnectionRecord, 'ownerAddresses' | 'id'>): string => c.ownerAddresses[0] ?? c.id;

export type ReauthAlertOutcome = 'emailed' | 'recorded' | 'already_alerted';

/**
 * A connection just went to needs_reauth (the sync found the grant gone). Records the
 * breakage and emails its teammate, once per breakage: a second report of the same one, from
 * this sync or another worker's, is 'already_alerted'. Without SMTP it is only recorded (the
 * banner shows it). Never throws for a mail server that fails: the banner still tells.
 */
export async function alertNeedsReauth(
  ctx: Ctx,
  settings: AlertSettings,
  conn: ConnectionRecord,
  reason: string,
): Promise<ReauthAlertOutcome> {
  if (!(await claimBreakage(ctx.db, ctx.ws.id, conn.id, reason, ctx.now))) return 'already_alerted';
  const to = (await listTeammates(ctx.db, ctx.ws.id)).find((t) => t.id === conn.teammateId)?.email ?? null;
  let emailed = false;
  let mailError: string | undefined;
  if (settings.mailer && to) {
    const mail = reauthEmail({ connection: conn, mailbox: mailboxOf(conn), brokenAt: ctx.now, reason }, settings.publicUrl);
    try {
      await settings.mailer.send({ to, ...mail });
      await markEmailed(ctx.db, ctx.ws.id, conn.id, to, ctx.now);
      emailed = true;
    } catch (err) {
      mailError = (err as Error).message;
    }
  }
  await audit(ctx, 'alert.needs_reauth', conn.id, {
    provider: conn.provider,
    emailedTo: emailed ? to : null,
    ...(settings.mailer ? {} : { why: 'no SMTP server configured' }),
    ...(mailError ? { why: `the SMTP server refused: ${mailError}` } : {}),
  });
  return emailed ? 'emailed' : 'recorded';
}

/** Re-authorized: the breakage is over; the next one is told again. */
export async function resolveReauthAlert(ctx: Ctx, connectionId: string): Promise<void> {
  await resolveBreakage(ctx.db, ctx.ws.id, connectionId, ctx.now);
}

export interface ConnectionAlert {
  connectionId: string;
  provider: string;
  mailbox: string;
  since: string | null;
  reason: string;
  fix: string;
}

export interface AlertsAnswer {
  /** The caller's own broken connections (a CSM token bound to a teammate), or every one (admins). */
  connections: ConnectionAlert[];
  /** Admins only: the share of the workspace's connections that is broken. */
  workspace: { broken: number; total: number; percent: number; thresholdPercent: number; alert: string | null } | null;
}

/** What the banner shows: broken connections with their fix, and for admins the workspace alert. */
export async function listAlerts(deps: AppDeps, settings: Pick<AlertSettings, 'publicUrl' | 'brokenPercent'>): Promise<AlertsAnswer> {
  const conns = (await listConnections(deps.db, deps.ws.id)).filter((c) => c.status !== 'disconnected');
  const broken = conns.filter((c) => c.status === 'needs_reauth');
  const since = new Map((await listBreakages(deps.db, deps.ws.id, deps.now)).map((b) => [b.connectionId, b.brokenAt]));
  const admin = !deps.caller || deps.caller.role === 'admin';
  const own = deps.caller?.teammate ? await teammateByAddress(deps.db, deps.ws.id, deps.caller.teammate) : undefined;
  const visible = admin ? broken : broken.filter((c) => own && c.teammateId === own.id);
  const connections = visible.map((c) => ({
    connectionId: c.id,
    provider: c.provider,
    mailbox: mailboxOf(c),
    since: since.get(c.id)?.toISOString() ?? null,
    reason: c.statusReason ?? 'the provider refused the credentials',
    fix: fixWords(mailboxOf(c), settings.publicUrl),
  }));
  if (!admin) return { connections, workspace: null };
  const percent = conns.length ? Math.round((broken.length / conns.length) * 100) : 0;
  const over = broken.length / Math.max(1, conns.length) > settings.brokenPercent / 100;
  return {
    connections,
    workspace: {
      broken: broken.length,
      total: conns.length,
      percent,
      thresholdPercent: settings.brokenPercent,
      alert: over
        ? `${broken.length} of ${conns.length} connections (${percent}%) need re-authorization, more than the ${settings.brokenPercent}% alert threshold: their customer email and meetings are not being logged. Ask each teammate to re-authorize.`
        : null,
    },
  };
}

/** An admin asks for (or stops) the daily digest, sent to `address`. */
export async function setDigestOptIn(
  deps: AppDeps,
  input: { address: string; daily: boolean },
): Promise<{ address: string; daily: boolean }> {
  requireAdmin(deps, 'choose who gets the daily digest');
  const address = normalizeAddress(input.address);
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) throw invalid('address', 'give an email address');
  const changed = await setDigestSubscription(deps.db, deps.ws.id, address, input.daily, deps.now);
  if (changed) await audit(deps, input.daily ? 'alert.digest_on' : 'alert.digest_off', address);
  return { address, daily: input.daily };
}

/**
 * The daily digest, for every admin who asked for it and whose last one is a day old (or who
 * never got one). `now` comes in: a test moves it a day at a time. Nothing is sent (and
 * nothing marked sent) without SMTP.
 */
export async function sendDailyDigests(ctx: Ctx, settings: AlertSettings): Promise<string[]> {
  if (!settings.mailer) return [];
  const subscribers = await listDigestSubscribers(ctx.db, ctx.ws.id);
  if (!subscribers.length) return [];
  const since = new Date(ctx.now.getTime() - DAY_MS);
  const conns = (await listConnections(ctx.db, ctx.ws.id)).filter((c) => c.status !== 'disconnected');
  const byId = new Map(conns.map((c) => [c.id, c]));
  const rows = await listBreakages(ctx.db, ctx.ws.id, since);
  const broken: BrokenConnection[] = conns
    .filter((c) => c.status === 'needs_reauth')
    .map((c) => {
      const row = rows.find((r) => r.connectionId === c.id && !r.resolvedAt);
      return { connection: c, mailbox: mailboxOf(c), brokenAt: row?.brokenAt ?? ctx.now, reason: row?.reason ?? c.statusReason ?? '' };
    });
  const fixed = rows.flatMap((r) => {
    const c = byId.get(r.connectionId);
    return r.resolvedAt && c ? [{ mailbox: mailboxOf(c), provider: c.provider, fixedAt: r.resolvedAt }] : [];
  });
  const brokenPercent = conns.length ? Math.round((broken.length / conns.length) * 100) : 0;
  const mail = digestEmail(
    {
      workspace: ctx.ws.slug,
      total: conns.length,
      broken,
      fixed,
      brokenPercent,
      thresholdPercent: settings.brokenPercent,
      since,
      now: ctx.now,
    },
    settings.publicUrl,
  );
  const sent: string[] = [];
  for (const s of subscribers) {
    // Claimed before sending: two processes never both send it; a failed send waits for tomorrow's.
    if (!(await claimDigest(ctx.db, ctx.ws.id, s.address, since, ctx.now))) continue;
    try {
      await settings.mailer.send({ to: s.address, ...mail });
      sent.push(s.address);
    } catch {
      // The next digest reports the same state; the failure is in the audit below.
    }
  }
  if (sent.length) await audit(ctx, 'alert.digest_sent', ctx.ws.slug, { to: sent, broken: broken.length, total: conns.length });
  return sent;
}
