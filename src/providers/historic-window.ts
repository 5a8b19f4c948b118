// How far before a connection's first authorization a connector looks, so that mail and
// meetings from just before it are seen and answered "historic (E2 / M2)" with their date
// instead of "unknown, none has seen it" (issue 13, item 4). What is fetched there is decided
// like anything else: historic, not linked, so only its codes and hashes are stored (and purged
// after the retention period, leaving a tombstone). Bounded: a mailbox's whole history is
// never read; older mail is answered by the live lookup.
export const HISTORIC_LOOKBACK_DAYS = 30;

const DAY = 86_400_000;

/** The start of the scan window for a connection first authorized at `authorizedAt`. */
export function historicWindowStart(authorizedAt: Date, days = HISTORIC_LOOKBACK_DAYS): Date {
  return new Date(authorizedAt.getTime() - days * DAY);
}
