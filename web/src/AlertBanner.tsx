// The alert banner on every page: a teammate's own connections that need re-authorization,
// with the fix in plain words (GET /v1/alerts); for admins, also the workspace alert when
// more than the set share of connections is broken. Nothing shows while all is well.
import { useEffect, useState } from 'react';
import { get } from './api.js';

interface Alerts {
  connections: { connectionId: string; mailbox: string; provider: string; reason: string; fix: string }[];
  workspace: { alert: string | null } | null;
}

export function AlertBanner() {
  const [alerts, setAlerts] = useState<Alerts | null>(null);
  useEffect(() => {
    const load = () => void get<Alerts>('/v1/alerts').then(setAlerts, () => undefined);
    load();
    // Re-authorizing on the Sync page clears the alert: look again when the route changes.
    addEventListener('hashchange', load);
    return () => removeEventListener('hashchange', load);
  }, []);
  if (!alerts || (!alerts.connections.length && !alerts.workspace?.alert)) return null;
  return (
    <section className="warning alert-banner" role="alert" aria-label="Connections that need attention">
      {alerts.workspace?.alert ? <p>{alerts.workspace.alert}</p> : null}
      {alerts.connections.length ? (
        <ul>
          {alerts.connections.map((c) => (
            <li key={c.connectionId}>
              <strong>{c.mailbox}</strong> stopped syncing and needs re-authorization ({c.reason}).{' '}
              <a href="#/sync">Open Sync email &amp; calendar → Re-authorize</a>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
