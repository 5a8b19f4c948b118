// Security headers on every response (API JSON, the web app, its assets, /docs, errors, 404s):
// no framing by anyone (clickjacking), no MIME sniffing, no Referer leaving the app (URLs may
// carry ids), and a strict CSP for the web app: its own scripts, styles and API only.
//
// The email body is shown in a sandboxed `srcdoc` frame (web/src/sanitize.ts), which inherits
// this policy on top of its own: so the policy allows that frame's one fixed <style> by hash,
// and images from anywhere — needed only when the reader clicks "Show remote content"; the
// frame's own CSP and the sanitizer keep them out otherwise. Scripts stay 'self' only.
import type { FastifyInstance } from 'fastify';

/** sha256 of the <style> in web/src/sanitize.ts emailFrameDoc (a test recomputes it from there). */
export const EMAIL_FRAME_STYLE_HASH = "'sha256-vDjJs/44qI+ofFZHIM9M4U8EZpqm/ikCBHMCd5EC9y0='";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' ${EMAIL_FRAME_STYLE_HASH}`,
  "img-src 'self' data: https: http:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const FIXED_HEADERS: Record<string, string> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Registered first in buildApp, on the root instance, so every route and error reply gets it. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [name, value] of Object.entries(FIXED_HEADERS)) reply.header(name, value);
    // /docs (Swagger UI) sets its own CSP later, with hashes of its inline scripts, through
    // noFraming below; everything else gets the app's.
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    return payload;
  });
}

/** Swagger UI's own CSP (its transformStaticCSP option), with framing refused like everywhere else. */
export function noFraming(csp: string): string {
  return `${csp.replace(/frame-ancestors[^;]*;?\s*/g, '').replace(/;?\s*$/, '')}; frame-ancestors 'none'`;
}
