// Push for IMAP: IDLE (RFC 2177) on one folder, on a connection of its own.
//
// - IDLE is started explicitly with idle(): imapflow would only auto-IDLE after 15 s of
//   quiet, which is 15 s of latency after every command.
// - The server announces new mail with an untagged EXISTS while we idle; we only say
//   "something changed" and the sync does the reading, from its cursor.
// - Watchdog: a half-open TCP connection (NAT timeout, server killed without FIN) leaves an
//   IDLE that hears nothing forever. Every probeMs we break IDLE with a NOOP; if it is not
//   answered within deadlineMs the connection is dropped and made again. The NOOP also
//   restarts IDLE well inside the 29 minutes RFC 2177 §3 allows before servers log us out.
// - Reconnect with capped exponential backoff and jitter; credentials rejected → give up
//   (throw AUTH_FAILED): retrying a wrong password can lock the account.
import { SourceError, type PushChange } from '../types.js';
import { backoffDelay, sleep } from './backoff.js';
import type { ImapSession } from './session.js';

export interface IdleOptions {
  probeMs: number;
  deadlineMs: number;
  backoff: { baseMs: number; capMs: number };
}

export interface WatchFolderOptions extends Partial<IdleOptions> {
  open: () => Promise<ImapSession>;
  path: string;
  onChange: (why: PushChange) => void;
  signal: AbortSignal;
  /** Told about each (re)connection and each lost connection, for `watch`'s log. */
  onState?: (state: 'idle' | 'reconnecting', detail?: string) => void;
}

const DEFAULTS: IdleOptions = { probeMs: 5 * 60_000, deadlineMs: 20_000, backoff: { baseMs: 1_000, capMs: 60_000 } };

export async function watchFolder(o: WatchFolderOptions): Promise<void> {
  const opts = { ...DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as IdleOptions &
    WatchFolderOptions;
  let attempt = 0;
  while (!o.signal.aborted) {
    let session: ImapSession | null = null;
    try {
      session = await o.open();
      await session.examine(o.path);
      attempt = 0;
      // Mail may have arrived while we were away: let the sync look once.
      o.onChange('reconnected');
      o.onState?.('idle');
      await idleUntilBroken(session, opts);
    } catch (err) {
      if (err instanceof SourceError && err.code === 'AUTH_FAILED') throw err;
      if (o.signal.aborted) break;
      o.onState?.('reconnecting', (err as Error).message);
    } finally {
      if (session) await session.close();
    }
    if (o.signal.aborted) break;
    await sleep(backoffDelay(attempt++, opts.backoff), o.signal).catch(() => undefined);
  }
}

/** IDLE until the connection dies, the watchdog gives up on it, or the signal aborts. */
async function idleUntilBroken(s: ImapSession, o: IdleOptions & WatchFolderOptions): Promise<void> {
  const client = s.client;
  const onExists = () => o.onChange('new_mail');
  client.on('exists', onExists);
  let closed!: () => void;
  const gone = new Promise<void>((r) => (closed = r));
  client.once('close', () => closed());
  const onAbort = () => client.close();
  o.signal.addEventListener('abort', onAbort, { once: true });
  const watchdog = setInterval(() => {
    const answered = client.noop().then(
      () => true,
      () => false,
    );
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), o.deadlineMs).unref());
    void Promise.race([answered, timeout]).then((ok) => {
      if (!ok) client.close(); // silent or dead: drop it, the loop reconnects
    });
  }, o.probeMs);
  try {
    // idle() returns whenever IDLE is broken (our NOOP, the server); start it again.
    while (client.usable && !o.signal.aborted) {
      const started = Date.now();
      await Promise.race([client.idle().catch(() => undefined), gone]);
      // Let a queued NOOP run before the next IDLE goes out; never spin if IDLE keeps
      // ending at once (EXISTS answers to the NOOP are not lost meanwhile, RFC 3501 §7).
      await new Promise((r) => setTimeout(r, Date.now() - started < 100 ? 100 : 0));
    }
  } finally {
    clearInterval(watchdog);
    client.off('exists', onExists);
    o.signal.removeEventListener('abort', onAbort);
  }
  if (!o.signal.aborted) throw new SourceError('NETWORK', 'the IDLE connection was closed');
}
