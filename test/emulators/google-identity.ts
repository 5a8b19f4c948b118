// The identity half of the Google emulator (google.ts builds on this): the HTTP server, the
// OAuth consent page and token endpoint (authorization_code with PKCE, refresh_token with
// optional rotation, 400 invalid_grant), tokeninfo (what Dovecot's oauth2 passdb asks for an
// IMAP XOAUTH2 login), the bearer check every API request passes, and Google's JSON error body.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type PendingCode, redeemCode } from './auth-codes.js';
import { closeServer, serveOnLoopback, UNMATCHED } from './emulator-http.js';

/** Google's canonical status names for the HTTP codes the emulator answers (google.rpc.Code). */
const CANONICAL: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  410: 'GONE',
  429: 'RESOURCE_EXHAUSTED',
  503: 'UNAVAILABLE',
};

/** Google's JSON error body (https://developers.google.com/gmail/api/guides/handle-errors). */
export function googleErrorBody(code: number, reason: string, message: string, domain = 'global'): unknown {
  return { error: { code, message, errors: [{ message, domain, reason }], status: CANONICAL[code] ?? 'UNKNOWN' } };
}

export abstract class GoogleIdentityEmulator {
  private server!: Server;
  url = '';
  readonly refreshTokens = new Set<string>();
  /** The Google account's address (users.getProfile, tokeninfo). */
  accountEmail = 'me@example.com';
  protected accessTokens = new Set<string>();
  protected tokenCount = 0;
  /** Token endpoint rotates the refresh token on each refresh. */
  rotate = false;

  async start(): Promise<this> {
    ({ server: this.server, url: this.url } = await serveOnLoopback((req, res) => this.handle(req, res)));
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }
  get rootUrl(): string {
    return `${this.url}/`;
  }

  issueRefreshToken(): string {
    const t = `1//rt-${++this.tokenCount}-${Math.random().toString(36).slice(2)}`;
    this.refreshTokens.add(t);
    return t;
  }

  revokeAll(): void {
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  protected send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  }

  protected error(
    res: ServerResponse,
    status: number,
    reason: string,
    message: string,
    headers: Record<string, string> = {},
    domain = 'global',
  ): void {
    this.send(res, status, googleErrorBody(status, reason, message, domain), headers);
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

  get authUrl(): string {
    return `${this.url}/o/oauth2/v2/auth`;
  }

  private consentPage(u: URL, res: ServerResponse): void {
    const q = u.searchParams;
    const redirect = new URL(q.get('redirect_uri') ?? '');
    const state = q.get('state');
    this.lastConsentScopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
    if (q.get('response_type') !== 'code' || q.get('access_type') !== 'offline' || !q.get('code_challenge')) {
      redirect.searchParams.set('error', 'invalid_request');
    } else if (this.consent === 'deny') {
      redirect.searchParams.set('error', 'access_denied');
    } else {
      const code = `4/code-${++this.tokenCount}`;
      this.codes.set(code, {
        challenge: q.get('code_challenge')!,
        method: q.get('code_challenge_method') ?? 'plain',
        redirectUri: redirect.toString(),
        scope: q.get('scope') ?? '',
      });
      redirect.searchParams.set('code', code);
      redirect.searchParams.set('scope', q.get('scope') ?? '');
    }
    if (state) redirect.searchParams.set('state', state);
    res.writeHead(302, { location: redirect.toString() });
    res.end();
  }

  /** grant_type=authorization_code: one use per code, PKCE verifier and redirect_uri checked. */
  private exchangeCode(p: URLSearchParams, res: ServerResponse): void {
    const grant = redeemCode(this.codes, p);
    if (!grant) {
      this.send(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
      return;
    }
    const at = `ya29.at-${++this.tokenCount}`;
    this.accessTokens.add(at);
    this.send(res, 200, {
      access_token: at,
      refresh_token: this.issueRefreshToken(),
      expires_in: 3599,
      token_type: 'Bearer',
      scope: grant.scope,
    });
  }

  protected async readBody(req: IncomingMessage): Promise<string> {
    let body = '';
    for await (const chunk of req) body += chunk;
    return body;
  }

  // biome-ignore lint/suspicious/noExplicitAny: each route reads the fields it expects from a fake API's request body
  protected async readJson(req: IncomingMessage): Promise<any> {
    const body = await this.readBody(req);
    return body ? JSON.parse(body) : {};
  }

  /** The identity routes and the bearer check every API request passes; UNMATCHED for an API request with a valid token. */
  // biome-ignore lint/suspicious/noConfusingVoidType: each route returns what send() returns (void), as the other routes do
  protected async identityRoutes(req: IncomingMessage, res: ServerResponse, u: URL): Promise<void | typeof UNMATCHED> {
    if (u.pathname === '/o/oauth2/v2/auth' && req.method === 'GET') return this.consentPage(u, res);
    if (u.pathname === '/token' && req.method === 'POST') {
      const p = new URLSearchParams(await this.readBody(req));
      if (p.get('grant_type') === 'authorization_code') return this.exchangeCode(p, res);
      const rt = p.get('refresh_token') ?? '';
      if (p.get('grant_type') !== 'refresh_token' || !this.refreshTokens.has(rt)) {
        return this.send(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      }
      const at = `ya29.at-${++this.tokenCount}`;
      this.accessTokens.add(at);
      const out: Record<string, unknown> = {
        access_token: at,
        expires_in: 3599,
        token_type: 'Bearer',
        scope: 'https://www.googleapis.com/auth/gmail.readonly',
      };
      if (this.rotate) {
        this.refreshTokens.delete(rt);
        out.refresh_token = this.issueRefreshToken();
      }
      return this.send(res, 200, out);
    }
    if (u.pathname === '/oauth2/v3/tokeninfo') {
      // What Dovecot's oauth2 passdb asks to accept an IMAP XOAUTH2 login.
      const t = u.searchParams.get('access_token') ?? '';
      if (!this.accessTokens.has(t)) return this.send(res, 400, { error: 'invalid_token', error_description: 'Invalid Value' });
      return this.send(res, 200, {
        aud: 'test-client.apps.googleusercontent.com',
        scope: 'https://mail.google.com/',
        email: this.accountEmail,
        email_verified: 'true',
        expires_in: '3599',
        access_type: 'offline',
      });
    }
    const auth = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!this.accessTokens.has(auth))
      return this.error(res, 401, 'authError', 'Request had invalid authentication credentials.', {
        'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
      });
    return UNMATCHED;
  }
}
