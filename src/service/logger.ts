// Structured logs (pino), one JSON object a line. Secrets and tokens are never logged:
// request logs carry method, url, status and the token's id (never its value), and these
// paths are redacted wherever they appear anyway.
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

export function createLogger(opts: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    { name: opts.name ?? 'touchpoint', level: opts.level ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    opts.destination,
  );
}
