// Gmail's per-user rate limit (https://developers.google.com/gmail/api/reference/quota): 250
// quota units per user per second, a moving average that allows short bursts (the current page
// states it as 15,000 units per user per minute, exceeded reason userRateLimitExceeded), each
// method charged its own units: messages.get 5, messages.list 5, history.list 2, getProfile 1,
// watch 100. A batch costs the sum of its parts, each charged as it runs. Modelled as a token
// bucket: `unitsPerSecond` refill, at most `burstUnits` saved up (one second's worth: the
// strict reading of "per second"). A request the bucket cannot pay for is refused and charged
// nothing; the emulator's one mailbox is one user.

export interface QuotaSettings {
  unitsPerSecond: number;
  burstUnits: number;
}

export const GMAIL_USER_QUOTA: QuotaSettings = { unitsPerSecond: 250, burstUnits: 250 };

/** The units a Gmail request costs (Calendar and the token endpoint are not Gmail's quota: 0). */
export function gmailUnits(method: string, pathname: string): number {
  if (!pathname.startsWith('/gmail/v1/users/')) return 0;
  if (/\/messages\/[^/]+$/.test(pathname) && method === 'GET') return 5;
  if (/\/messages$/.test(pathname)) return 5;
  if (/\/history$/.test(pathname)) return 2;
  if (/\/profile$/.test(pathname)) return 1;
  if (/\/watch$/.test(pathname)) return 100;
  if (/\/stop$/.test(pathname)) return 50;
  return 5;
}

export class QuotaBucket {
  private units: number;
  private at: number;
  /** Units charged, and requests refused, since the start. */
  charged = 0;
  refused = 0;

  constructor(
    readonly settings: QuotaSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.units = settings.burstUnits;
    this.at = now();
  }

  /** Pays `cost` units if the bucket holds them; false (nothing charged) if not. */
  take(cost: number): boolean {
    const t = this.now();
    this.units = Math.min(this.settings.burstUnits, this.units + ((t - this.at) / 1000) * this.settings.unitsPerSecond);
    this.at = t;
    if (cost > this.units) {
      this.refused++;
      return false;
    }
    this.units -= cost;
    this.charged += cost;
    return true;
  }
}
