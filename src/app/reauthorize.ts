// Re-authorize: new credentials for a connection whose grant is gone (or that was
// disconnected). IMAP and CalDAV secrets are checked against the server first; a folder
// needs none. authorized_at stays: mail that arrived while the connection was broken is not
// historic (SPEC E2), so the next sync links it as a catch-up.
import { readCalDavConfig } from '../providers/caldav/config.js';
import { readImapConfig, type ImapAuthKind, type ImapConfig, type ImapOAuthProvider } from '../providers/imap/config.js';
import { encryptSecret } from '../secrets/secrets.js';
import type { ConnectionRecord } from '../store/connections.js';
import { updateConnection } from '../store/connections.js';
import type { OutboundPolicy } from '../net/outbound-policy.js';
import { outboundOf } from './connection-policy.js';
import { requireConnection, requireSecretKey, type AppDeps } from './deps.js';
import { audit } from './audit.js';
import { resolveReauthAlert } from './alerts.js';
import { requireOwnOrAdmin } from './roles.js';
import { AppError, invalid } from './errors.js';
import { verifyCalDav, verifyImapLogin, type ImapLogin } from './verify-credentials.js';

export interface ReauthorizeInput {
  connectionId: string;
  /** The new password or token; none for a folder. */
  secret?: string;
  /** How the secret signs in (IMAP): a password (the default), an XOAUTH2 token, or a provider's refresh token. */
  signIn?: { auth: ImapAuthKind; oauth?: ImapOAuthProvider };
  /**
   * The secret is the provider's own refresh token for a Google/Microsoft connection (an
   * operator who ran the consent themselves, CLI). Otherwise those connections are
   * re-authorized by signing in with the provider again.
   */
  providerToken?: boolean;
  /** Check the secret against the server first (default). */
  verify?: boolean;
  toLogin?: ImapLogin;
}

/** How this IMAP connection signs in, in the words of the CLI flag that gives that secret. */
function signsInWith(cfg: ImapConfig): string {
  if (cfg.oauth === 'google') return 'a Google grant: use --google-token-env';
  if (cfg.oauth === 'microsoft') return 'a Microsoft grant: use --microsoft-token-env';
  return cfg.auth === 'password' ? 'a password: use --password-env' : 'an XOAUTH2 token: use --xoauth2-token-env';
}

async function checkedSecret(conn: ConnectionRecord, input: ReauthorizeInput, outbound: OutboundPolicy): Promise<string | undefined> {
  if (conn.provider === 'folder') return undefined;
  const secret = input.secret;
  if (conn.provider !== 'imap' && conn.provider !== 'caldav') {
    if (!input.providerToken)
      throw new AppError(
        'conflict',
        `a ${conn.provider} connection is re-authorized by signing in with the provider again (connect it again); a password cannot be typed here`,
      );
    if (!secret) throw invalid('secret', 'give the new refresh token');
    return secret;
  }
  if (!secret) throw invalid('secret', 'required for this connection: give the new password');
  if (conn.provider === 'caldav') {
    const cfg = readCalDavConfig(conn.config);
    if (input.verify !== false) await verifyCalDav(cfg.url, cfg.user, secret, outbound, cfg.ca);
    return secret;
  }
  const cfg = readImapConfig(conn.config);
  const signIn = input.signIn ?? { auth: 'password' };
  if (cfg.auth !== signIn.auth || cfg.oauth !== signIn.oauth)
    throw new AppError('conflict', `this connection signs in with ${signsInWith(cfg)}`);
  return input.verify === false ? secret : verifyImapLogin(cfg, secret, outbound, input.toLogin);
}

export async function reauthorize(deps: AppDeps, input: ReauthorizeInput): Promise<ConnectionRecord> {
  const conn = await requireConnection(deps, input.connectionId);
  await requireOwnOrAdmin(deps, conn.teammateId, 're-authorize a connection');
  const key = conn.provider === 'folder' ? null : requireSecretKey(deps);
  const secret = await checkedSecret(conn, input, outboundOf(deps));
  await updateConnection(deps.db, deps.ws.id, conn.id, {
    status: 'active',
    statusReason: null,
    lastError: null,
    nextSyncAt: deps.now,
    ...(secret !== undefined && key ? { secretEnc: encryptSecret(secret, key) } : {}),
  });
  await resolveReauthAlert(deps, conn.id);
  await audit(deps, 'connection.reauthorize', conn.id, { provider: conn.provider, secretChanged: secret !== undefined });
  return conn;
}
