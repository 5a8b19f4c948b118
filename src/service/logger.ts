// Structured logs (pino), one JSON object a line. Secrets and tokens are never logged:
// request logs carry method, url, status and the token's id (never its value), and these
// paths are redacted wherever they appear anyway. URLs carry secrets too (the Gmail push
// `token`, OAuth `code` and `state`, Graph's `validationToken`): every query parameter whose
// name says token/code/state/secret/password/key/signature is masked in the request log and in
// any message text, before the line is written.
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'secretEnc',
  '*.secretEnc',
  '*.secret_enc',
];

/** Query parameters whose values are secrets (matched anywhere in the name, any case). */
const SECRET_PARAM = /token|code|state|secret|passw|key|signature|sig$|auth/i;
const CENSOR = '[redacted]';

/** `url` with the values of secret-named query parameters masked; the path and other parameters kept. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const masked = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // undecodable: judge the raw name
      }
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=${CENSOR}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${masked}`;
}

/** Any URL-looking query in free text (e.g. Fastify's "Route GET:/x?token=… not found"). */
function redactText(text: string): string {
  return text.includes('?') ? text.replace(/[^\s?"']*\?[^\s"']*/g, (m) => redactUrl(m)) : text;
}

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer, with the URL's secrets masked. */
function serializeRequest(req: RequestLike): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(opts: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'touchpoint',
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      serializers: { req: serializeRequest },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    opts.destination,
  );
}
