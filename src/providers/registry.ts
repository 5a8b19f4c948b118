// One registry: provider name → its MailSource / CalendarSource, loaded lazily so a
// folder-only install never loads IMAP or Google code.
import type { CalendarSearch, CalendarSource, ConnectionConfig, MailSearch, MailSource } from './types.js';
import { SourceError } from './types.js';

export async function mailSourceFor(c: ConnectionConfig): Promise<MailSource | null> {
  switch (c.provider) {
    case 'folder': {
      if (typeof c.config.mail !== 'string') return null;
      const { FolderMailSource } = await import('./folder/folder-mail-source.js');
      return new FolderMailSource({ root: c.config.mail, ...folderScope(c) });
    }
    case 'imap': {
      const { imapSourceFromConnection } = await import('./imap/index.js');
      return imapSourceFromConnection(c);
    }
    case 'gmail': {
      const { gmailSourceFor } = await import('./google/index.js');
      return gmailSourceFor(c);
    }
    case 'graph': {
      const { graphMailSourceFor } = await import('./microsoft/index.js');
      return graphMailSourceFor(c);
    }
    default:
      throw new SourceError('INTERNAL', `no mail connector for provider "${c.provider}"`);
  }
}

/**
 * Creates or renews a connection's push subscription (when the provider has one and push
 * is configured); returns the config to save, or null when nothing changed.
 */
export async function maintainPush(c: ConnectionConfig, now: Date): Promise<Record<string, unknown> | null> {
  switch (c.provider) {
    case 'gmail':
    case 'google_calendar': {
      const { maintainGooglePush } = await import('./google/index.js');
      return maintainGooglePush(c, now);
    }
    case 'graph': {
      const { maintainGraphPush } = await import('./microsoft/index.js');
      return maintainGraphPush(c, now);
    }
    default:
      return null;
  }
}

/**
 * Disconnect: before the credentials are deleted, ends the connection's push subscriptions
 * at the provider (Graph subscriptions, Google Calendar channels, the Gmail watch) so the
 * provider stops posting for it. Best effort: never throws; what cannot be stopped expires
 * on its own (days) and its notifications are refused meanwhile.
 */
export async function stopPush(c: ConnectionConfig): Promise<void> {
  if (!c.config.push || !c.secretEnc) return;
  const stopping = (async () => {
    switch (c.provider) {
      case 'gmail':
      case 'google_calendar': {
        const { stopGooglePush } = await import('./google/index.js');
        return stopGooglePush(c);
      }
      case 'graph': {
        const { stopGraphPush } = await import('./microsoft/index.js');
        return stopGraphPush(c);
      }
    }
  })().catch(() => undefined);
  // A slow or throttling provider does not hold the Disconnect button for long.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    stopping,
    new Promise((r) => {
      timer = setTimeout(r, STOP_PUSH_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
}

const STOP_PUSH_WAIT_MS = 10_000;

/** Long-running processes (watch) keep connector sessions open between syncs; off closes them. */
export async function keepSourcesOpen(on: boolean): Promise<void> {
  const { keepImapSessions } = await import('./imap/index.js');
  await keepImapSessions(on);
}

export async function calendarSourceFor(c: ConnectionConfig): Promise<CalendarSource | null> {
  switch (c.provider) {
    case 'folder': {
      if (typeof c.config.calendar !== 'string') return null;
      const { FolderCalendarSource } = await import('./folder/folder-calendar-source.js');
      return new FolderCalendarSource({ root: c.config.calendar, ...folderScope(c) });
    }
    case 'caldav': {
      const { calDavSourceFor } = await import('./caldav/config.js');
      return calDavSourceFor(c);
    }
    case 'google_calendar': {
      const { googleCalendarSourceFor } = await import('./google/index.js');
      return googleCalendarSourceFor(c);
    }
    case 'graph': {
      const { graphCalendarSourceFor } = await import('./microsoft/index.js');
      return graphCalendarSourceFor(c);
    }
    default:
      throw new SourceError('INTERNAL', `no calendar connector for provider "${c.provider}"`);
  }
}

/** A folder connection's bounds: the workspace's folder it was confined to (API), and the Config's scan limits. */
function folderScope(c: ConnectionConfig): { within?: string; limits: { maxDepth: number; maxFiles: number } } {
  const limits = { maxDepth: c.settings.folderMaxDepth, maxFiles: c.settings.folderMaxFiles };
  return typeof c.config.within === 'string' ? { within: c.config.within, limits } : { limits };
}

/** The live lookup's read-only mail search for a connection (null: this provider has none, e.g. folder). */
export async function mailSearchFor(c: ConnectionConfig): Promise<MailSearch | null> {
  switch (c.provider) {
    case 'imap': {
      const { imapSearchFromConnection } = await import('./imap/index.js');
      return imapSearchFromConnection(c);
    }
    case 'gmail': {
      const { gmailSearchFor } = await import('./google/index.js');
      return gmailSearchFor(c);
    }
    case 'graph': {
      const { graphMailSearchFor } = await import('./microsoft/index.js');
      return graphMailSearchFor(c);
    }
    default:
      return null;
  }
}

/** The live lookup's read-only calendar search for a connection (null: this provider has none). */
export async function calendarSearchFor(c: ConnectionConfig): Promise<CalendarSearch | null> {
  switch (c.provider) {
    case 'caldav': {
      const { calDavSearchFor } = await import('./caldav/config.js');
      return calDavSearchFor(c);
    }
    case 'google_calendar': {
      const { googleCalendarSearchFor } = await import('./google/index.js');
      return googleCalendarSearchFor(c);
    }
    case 'graph': {
      const { graphCalendarSearchFor } = await import('./microsoft/index.js');
      return graphCalendarSearchFor(c);
    }
    default:
      return null;
  }
}

/** Providers whose sync modules this process has loaded through loadConnectors. */
const loadedProviders = new Set<string>();

/**
 * Loads the sync modules of these providers now (imapflow alone ≈ 0.1–0.2 s of CPU). The
 * registry loads a connector on its first use, so that a folder-only install or a one-off CLI
 * call never pays for the others; a service process would pay it inside its first syncs
 * instead: every slot of a fresh worker waited ≈ 0.3–0.6 s before its first log-in
 * (bench:workers, 2026-12-07). The service calls this before it takes jobs.
 */
export async function loadConnectors(providers: Iterable<string>): Promise<void> {
  const modules: Record<string, (() => Promise<unknown>)[]> = {
    folder: [() => import('./folder/folder-mail-source.js'), () => import('./folder/folder-calendar-source.js')],
    imap: [() => import('./imap/index.js')],
    gmail: [() => import('./google/index.js'), () => import('./google/gmail-mail-source.js')],
    google_calendar: [() => import('./google/index.js'), () => import('./google/calendar-source.js')],
    graph: [
      () => import('./microsoft/index.js'),
      () => import('./microsoft/mail-source.js'),
      () => import('./microsoft/calendar-source.js'),
    ],
    caldav: [() => import('./caldav/config.js')],
  };
  for (const p of new Set(providers)) {
    if (loadedProviders.has(p) || !modules[p]) continue;
    await Promise.all(modules[p].map((load) => load()));
    loadedProviders.add(p);
  }
}

/** Providers loaded by loadConnectors so far (tests). */
export function loadedConnectors(): ReadonlySet<string> {
  return loadedProviders;
}
