// HubSpot's errors, translated once into SourceError. The documented shapes:
// 401 {category: INVALID_AUTHENTICATION} — a revoked or wrong private-app token;
// 403 {category: MISSING_SCOPES} — the app lacks crm.objects.*.read;
// 429 {errorType: RATE_LIMIT, policyName: TEN_SECONDLY_ROLLING | DAILY | SECONDLY} with the
//     X-HubSpot-RateLimit-* headers (https://developers.hubspot.com/docs/api/usage-details).
import { OutboundRefusedError } from '../../net/outbound-policy.js';
import { SourceError } from '../../providers/types.js';

interface HubSpotErrorBody {
  message?: string;
  category?: string;
  policyName?: string;
}

/** The client's ApiException (code, body, headers) or a raw response we read ourselves. */
interface ApiFailure {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function isApiFailure(err: unknown): err is ApiFailure {
  return typeof (err as ApiFailure | null)?.code === 'number';
}

function bodyOf(err: ApiFailure): HubSpotErrorBody {
  if (typeof err.body === 'string') {
    try {
      return JSON.parse(err.body) as HubSpotErrorBody;
    } catch {
      return {};
    }
  }
  return (err.body as HubSpotErrorBody | undefined) ?? {};
}

/** Milliseconds to the next UTC midnight: when a daily cap has certainly rolled over (HubSpot resets it at the account's midnight). */
function untilMidnight(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return next - now.getTime();
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const hit = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return hit ? headers[hit] : undefined;
}

export function hubSpotError(err: unknown, now: Date): SourceError {
  if (err instanceof SourceError) return err;
  if (err instanceof OutboundRefusedError || (err as { cause?: unknown })?.cause instanceof OutboundRefusedError) {
    return new SourceError('NETWORK', 'the HubSpot address is refused by the outbound policy (TOUCHPOINT_OUTBOUND_ALLOW)');
  }
  if (!isApiFailure(err)) return new SourceError('NETWORK', `could not reach HubSpot (${(err as Error)?.message ?? String(err)})`);
  const body = bodyOf(err);
  if (err.code === 401) {
    return new SourceError(
      'AUTH_FAILED',
      'HubSpot refused the private-app token (revoked, rotated or wrong); connect the source again with a valid token',
    );
  }
  if (err.code === 403) {
    return new SourceError(
      'AUTH_FAILED',
      `HubSpot refused the request: ${body.message ?? 'the private app lacks a scope'} (needs crm.objects.contacts.read and crm.objects.companies.read)`,
    );
  }
  if (err.code === 429) {
    if (body.policyName === 'DAILY') {
      return new SourceError('THROTTLED', "HubSpot's daily API limit is used up; the source waits for the next day", untilMidnight(now));
    }
    const retryAfter = Number(header(err.headers, 'retry-after'));
    const interval = Number(header(err.headers, 'x-hubspot-ratelimit-interval-milliseconds'));
    const ms = retryAfter > 0 ? retryAfter * 1000 : interval > 0 ? interval : 10_000;
    return new SourceError(
      'THROTTLED',
      `HubSpot's ${body.policyName === 'SECONDLY' ? 'per-second' : 'ten-second'} rate limit was reached`,
      ms,
    );
  }
  if (err.code >= 500) return new SourceError('NETWORK', `HubSpot answered ${err.code}; trying again at the next sync`);
  return new SourceError('INTERNAL', `HubSpot answered ${err.code}: ${body.message ?? 'no message'}`);
}
