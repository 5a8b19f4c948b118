// The Microsoft identity platform half of the Microsoft 365 emulator (microsoft.ts): the
// OpenID configuration, the v2.0 token endpoint (authorization_code with PKCE after the
// /authorize consent page, refresh_token, rotated refresh tokens, 400 invalid_grant with AADSTS
// codes) and the access tokens Graph requests must carry. @azure/msal-node is pointed at it
// (TOUCHPOINT_MICROSOFT_AUTHORITY); the Graph routes live in the subclasses.
import { type PendingCode, redeemCode } from './auth-codes.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export abstract class MicrosoftIdentityEmulator {
  url = '';
  /** Every request: method, path+query, and its Prefer header. */
  readonly log: { method: string; path: string; prefer: string }[] = [];
  readonly tenant = 'common';

  readonly refreshTokens = new Set<string>();

  /** The mailbox's address (the emulator-only /introspect answer Dovecot logs in with). */
  accountEmail = 'alice@ourco.com';

  /** The scope of each access-token request (the `scope` form field). */
  readonly tokenScopes: string[] = [];

  protected readonly accessTokens = new Set<string>();

  protected tokenCount = 0;

  /** Each refresh returns a new refresh token and invalidates the old one. */
  rotate = false;

  /** One-off answers for the next token-endpoint requests. */
  readonly tokenFailNext: { status: number; body: unknown; headers?: Record<string, string> }[] = [];

  /**
   * The token endpoint refuses the next refreshes as Microsoft Entra does (bodies as in
   * https://learn.microsoft.com/entra/identity-platform/reference-error-codes): AADSTS700082
   * refresh token expired by inactivity, 65001 consent missing/withdrawn, 50076 MFA required.
   */
  refuseRefresh(aadsts: 700082 | 65001 | 50076, times = 3): void {
    const words: Record<number, [string, string | undefined]> = {
      700082: [
        'AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2025-12-01T00:00:00Z and was inactive for 90.00:00:00.',
        undefined,
      ],
      65001: [
        "AADSTS65001: The user or administrator has not consented to use the application with ID 'cid' named 'Touchpoint'. Send an interactive authorization request for this user and resource.",
        'consent_required',
      ],
      50076: [
        "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.",
        'basic_action',
      ],
    };
    const [description, suberror] = words[aadsts]!;
    const body = {
      error: 'invalid_grant',
      error_description: description,
      error_codes: [aadsts],
      timestamp: new Date().toISOString(),
      trace_id: 't',
      correlation_id: 'c',
      ...(suberror ? { suberror } : {}),
    };
    for (let i = 0; i < times; i++) this.tokenFailNext.push({ status: 400, body });
  }

  /**
   * The consent page: what the user does there. 'allow' redirects back with a code, 'deny'
   * with error=access_denied (the user pressed Cancel).
   */
  consent: 'allow' | 'deny' = 'allow';

  /** Authorization codes given out on the consent page, with the PKCE challenge they need. */
  private codes = new Map<string, PendingCode>();

  /** The scopes of the last consent page shown. */
  lastConsentScopes: string[] = [];

  get authority(): string {
    return `${this.url}/${this.tenant}`;
  }

  get authorizeUrl(): string {
    return `${this.authority}/oauth2/v2.0/authorize`;
  }

  /** Emulator-only token introspection for Dovecot's oauth2 passdb (the access token appended). */
  get introspectUrl(): string {
    return `${this.url}/introspect?access_token=`;
  }

  /** What msal sees: the same origin with https (see src/providers/microsoft/network.ts). */
  protected get httpsOrigin(): string {
    return `https${this.url.slice('http'.length)}`;
  }

  issueRefreshToken(): string {
    const t = `0.AR-rt-${++this.tokenCount}-${Math.random().toString(36).slice(2)}`;
    this.refreshTokens.add(t);
    return t;
  }

  revokeAll(): void {
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }

  protected async identity(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void> {
    const base = `${this.httpsOrigin}/${this.tenant}`;
    if (u.pathname.endsWith('/.well-known/openid-configuration')) {
      return this.send(res, 200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        issuer: `${this.httpsOrigin}/{tenantid}/v2.0`,
        response_types_supported: ['code'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      });
    }
    if (u.pathname.endsWith('/oauth2/v2.0/authorize') && req.method === 'GET') return this.consentPage(u, res);
    if (u.pathname.endsWith('/oauth2/v2.0/token') && req.method === 'POST') {
      const p = new URLSearchParams(await this.body(req));
      this.tokenScopes.push(p.get('scope') ?? '');
      const f = this.tokenFailNext.shift();
      if (f) return this.send(res, f.status, f.body, f.headers);
      const invalidGrant = (description: string, code: number) =>
        this.send(res, 400, {
          error: 'invalid_grant',
          error_description: description,
          error_codes: [code],
          timestamp: new Date().toISOString(),
          trace_id: 't',
          correlation_id: p.get('client-request-id') ?? 'c',
          suberror: 'bad_token',
        });
      let refresh: string;
      if (p.get('grant_type') === 'authorization_code') {
        if (!redeemCode(this.codes, p)) {
          return invalidGrant(
            'AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
            54005,
          );
        }
        refresh = this.issueRefreshToken();
      } else {
        const rt = p.get('refresh_token') ?? '';
        if (p.get('grant_type') !== 'refresh_token' || !this.refreshTokens.has(rt)) {
          return invalidGrant('AADSTS70000: The provided grant has expired due to it being revoked, a fresh auth token is needed.', 70000);
        }
        refresh = rt;
        if (this.rotate) {
          this.refreshTokens.delete(rt);
          refresh = this.issueRefreshToken();
        }
      }
      const at = `eyJ0eXAi.at-${++this.tokenCount}`;
      this.accessTokens.add(at);
      const now = Math.floor(Date.now() / 1000);
      const idToken = [
        b64({ typ: 'JWT', alg: 'none' }),
        b64({
          aud: p.get('client_id'),
          iss: `${this.httpsOrigin}/tenant-1/v2.0`,
          iat: now,
          nbf: now,
          exp: now + 3600,
          oid: 'user-1',
          tid: 'tenant-1',
          sub: 'sub-1',
          preferred_username: 'alice@ourco.com',
          name: 'Alice',
          ver: '2.0',
        }),
        '',
      ].join('.');
      return this.send(res, 200, {
        token_type: 'Bearer',
        scope: 'https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/Calendars.Read',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: at,
        refresh_token: refresh,
        id_token: idToken,
        client_info: b64({ uid: 'user-1', utid: 'tenant-1' }),
      });
    }
    return this.send(res, 404, { error: 'not_found' });
  }

  /** The /authorize page: checks the request is the real flow's (code + PKCE), then "the user" allows or cancels. */
  private consentPage(u: URL, res: ServerResponse): void {
    const q = u.searchParams;
    const redirect = new URL(q.get('redirect_uri') ?? '');
    const state = q.get('state');
    this.lastConsentScopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
    if (q.get('response_type') !== 'code' || !q.get('code_challenge') || !q.get('client_id')) {
      redirect.searchParams.set('error', 'invalid_request');
      redirect.searchParams.set(
        'error_description',
        'AADSTS900144: The request body must contain the following parameter: code_challenge.',
      );
    } else if (this.consent === 'deny') {
      redirect.searchParams.set('error', 'access_denied');
      redirect.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
    } else {
      const code = `0.AR-code-${++this.tokenCount}`;
      this.codes.set(code, {
        challenge: q.get('code_challenge')!,
        method: q.get('code_challenge_method') ?? 'plain',
        redirectUri: q.get('redirect_uri') ?? '',
        scope: q.get('scope') ?? '',
      });
      redirect.searchParams.set('code', code);
    }
    if (state) redirect.searchParams.set('state', state);
    res.writeHead(302, { location: redirect.toString() });
    res.end();
  }

  protected send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      'content-type': 'application/json; odata.metadata=minimal; charset=utf-8',
      'request-id': `req-${this.log.length}`,
      ...headers,
    });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  protected async body(req: IncomingMessage): Promise<string> {
    let b = '';
    for await (const chunk of req) b += chunk;
    return b;
  }
}
