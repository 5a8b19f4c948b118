import { PreviewSummary } from '../change-preview.js';
import { useState } from 'react';
import { api, get, q, type Connection, type Teammate } from '../api.js';
import { Time } from '../time.js';
import { CountLine } from './Skipped.js';
import { ConnectCalDav, ConnectFolder, ConnectImap, ConnectOAuth } from './Connect.js';
import { DirectorySources } from './SourcesCard.js';
import { SyncProgress } from './SyncProgress.js';
import { ErrorNote, Field, useAction, useLoad } from '../ui.js';

const STATUS: Record<string, string> = {
  active: 'Connected — syncing on schedule',
  needs_reauth: 'Needs re-authorization — nothing syncs until the teammate signs in again',
  error: 'The last sync failed — it is retried automatically',
  disconnected: 'Disconnected — nothing syncs',
};

const PASSWORD_PROVIDERS = new Set(['imap', 'caldav']);
const OAUTH_START: Record<string, string> = {
  gmail: '/v1/oauth/google/start',
  google_calendar: '/v1/oauth/google/start',
  graph: '/v1/oauth/microsoft/start',
};

const lines = (v: string) =>
  v
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);

/** Which folders this mailbox syncs, and how complete each is; include/exclude edited here. */
function Folders({ c, onChange }: { c: Connection; onChange: () => void }) {
  const act = useAction();
  const [include, setInclude] = useState((c.folders?.include ?? []).join('\n'));
  const [exclude, setExclude] = useState((c.folders?.exclude ?? []).join('\n'));
  if (!c.folders) return null;
  return (
    <details className="folders">
      <summary>Folders: {c.folders.only ? `only ${c.folders.only.join(', ')}` : 'every folder but Junk, Trash and Drafts'}</summary>
      {c.folderCounts.length ? (
        <ul aria-label="Completeness per folder">
          {c.folderCounts.map((f) => (
            <li key={f.folder} className={f.seen < f.atServer ? 'warning' : undefined}>
              {f.summary}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Counted at the next sync.</p>
      )}
      <form
        aria-label="Folder settings"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            await api('PATCH', `/v1/connections/${c.id}/folders`, { include: lines(include), exclude: lines(exclude) });
            onChange();
            return 'Saved: applies from the next sync. Mail already logged stays.';
          });
        }}
      >
        <Field label="Also sync (one folder per line, e.g. Junk)">
          <textarea value={include} onChange={(e) => setInclude(e.target.value)} rows={2} />
        </Field>
        <Field label="Never sync (one folder per line, e.g. Customers/Private)">
          <textarea value={exclude} onChange={(e) => setExclude(e.target.value)} rows={2} />
        </Field>
        <button type="submit" disabled={act.busy}>
          Save folders
        </button>
      </form>
      {act.status}
    </details>
  );
}

function ConnectionCard({ c, onChange }: { c: Connection; onChange: () => void }) {
  const act = useAction();
  const [secret, setSecret] = useState('');
  const [reauth, setReauth] = useState(false);
  const [disconnecting, setDisconnecting] = useState(false);
  const label = `${c.teammate} (${c.provider}${c.mail ? ', mail' : ''}${c.calendar ? ', calendar' : ''})`;
  const oauth = OAUTH_START[c.provider];
  const reauthorize = () => {
    if (!oauth) return setReauth(!reauth);
    // OAuth connections re-authorize by signing in with the provider again.
    void act.run(async () => {
      const products = c.provider === 'graph' ? 'mail,calendar' : c.provider === 'gmail' ? 'gmail' : 'calendar';
      const r = await get<{ url: string }>(`${oauth}?${q({ teammate: c.teammate, products })}`);
      location.assign(r.url);
    });
  };
  return (
    <section className="card" aria-label={`Connection ${label}`} data-connection={c.id}>
      <h3>{label}</h3>
      <p className={`status ${c.status}`}>
        {STATUS[c.status] ?? c.status}
        {c.statusReason ? `: ${c.statusReason}` : ''}
      </p>
      <SyncProgress c={c} />
      <dl className="facts">
        <dt>Authorized since</dt>
        <dd>
          <Time iso={c.authorizedAt} /> <span className="muted">(earlier mail and meetings are historic)</span>
        </dd>
        <dt>Last successful sync</dt>
        <dd>
          <Time iso={c.lastSuccessAt} />
        </dd>
        <dt>Next sync</dt>
        <dd>{c.status === 'active' || c.status === 'error' ? <Time iso={c.nextSyncAt} /> : 'none — see above'}</dd>
        <dt>Last error</dt>
        <dd>{c.lastError ?? 'none'}</dd>
      </dl>
      {c.mail ? <CountLine label="Email" c={c.counts.email} connectionId={c.id} kind="email" /> : null}
      {c.calendar ? <CountLine label="Meetings" c={c.counts.meeting} connectionId={c.id} kind="meeting" /> : null}
      <Folders c={c} onChange={onChange} />
      {c.errors.length ? (
        <details>
          <summary>{c.errors.length} item(s) could not be read</summary>
          <ul>
            {c.errors.map((e) => (
              <li key={e.where}>
                <code>{e.where}</code>: {e.reason} (last seen <Time iso={e.lastSeenAt} />)
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <div className="actions">
        <button
          type="button"
          disabled={act.busy}
          onClick={() =>
            act.run(async () => {
              const r = await api<{ status: string }>('POST', `/v1/connections/${c.id}/sync`);
              onChange();
              return r.status === 'queued' ? 'Sync started.' : 'A sync was already waiting; it will run next.';
            })
          }
        >
          Sync now
        </button>
        <button type="button" className="secondary" disabled={act.busy} onClick={reauthorize} aria-expanded={oauth ? undefined : reauth}>
          Re-authorize
        </button>
        <button type="button" className="danger" disabled={act.busy || c.status === 'disconnected'} onClick={() => setDisconnecting(true)}>
          Disconnect
        </button>
      </div>
      {disconnecting ? (
        <div className="warning" role="alertdialog" aria-label="Confirm disconnect">
          <p>
            Disconnect {label}? Nothing syncs any more and its stored{' '}
            {PASSWORD_PROVIDERS.has(c.provider) ? 'password is' : 'credentials are'} deleted; what was logged stays.
          </p>
          <PreviewSummary change={{ kind: 'disconnect', connectionId: c.id }} />
          <div className="actions">
            <button
              type="button"
              className="danger"
              // biome-ignore lint/a11y/noAutofocus: the user just asked to disconnect; focus goes to the confirmation they opened
              autoFocus
              disabled={act.busy}
              onClick={() =>
                void act.run(async () => {
                  await api('POST', `/v1/connections/${c.id}/disconnect`);
                  setDisconnecting(false);
                  onChange();
                  return 'Disconnected.';
                })
              }
            >
              Yes, disconnect
            </button>
            <button type="button" className="secondary" onClick={() => setDisconnecting(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {reauth ? (
        <form
          className="row"
          aria-label={`Re-authorize ${label}`}
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => {
              await api('POST', `/v1/connections/${c.id}/reauthorize`, PASSWORD_PROVIDERS.has(c.provider) ? { secret } : {});
              setReauth(false);
              setSecret('');
              onChange();
              return 'Re-authorized: the server accepted the password; the next sync catches up what arrived meanwhile.';
            });
          }}
        >
          {PASSWORD_PROVIDERS.has(c.provider) ? (
            <Field label="New password" hint="Checked against the server before it is saved">
              <input type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} required />
            </Field>
          ) : c.provider === 'folder' ? (
            <p className="muted">A folder connection needs no credentials.</p>
          ) : (
            <p className="muted">
              A {c.provider} connection is re-authorized on the server with the CLI (touchpoint reauthorize); see docs/cli.md.
            </p>
          )}
          <button type="submit" disabled={act.busy}>
            Save and resume syncing
          </button>
        </form>
      ) : null}
      {act.status}
    </section>
  );
}

/** What the provider sign-in said when it sent the browser back (#/sync?connected=… or ?error=…). */
function ReturnNote() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const connected = params.get('connected');
  const error = params.get('error');
  if (error)
    return (
      <p className="error" role="alert">
        Connecting did not finish: {error}
      </p>
    );
  if (connected)
    return (
      <p className="ok" role="status">
        Connected {connected.split(',').length} connection(s); the first sync has started.
      </p>
    );
  return null;
}

export function SyncPage() {
  const conns = useLoad(() => get<{ connections: Connection[]; syncIntervalMinutes: number }>('/v1/connections'), [], 3000);
  const teammates = useLoad(() => get<Teammate[]>('/v1/teammates'), []);
  const t = teammates.data;
  return (
    <>
      <h1>Sync email &amp; calendar</h1>
      <ReturnNote />
      <ErrorNote error={conns.error} />
      {conns.data ? (
        <p className="muted">Scheduled syncs run every {conns.data.syncIntervalMinutes} minutes; this page refreshes every few seconds.</p>
      ) : null}
      <h2>Connections</h2>
      {conns.data?.connections.length === 0 ? (
        <div className="empty">
          <p>No connections yet: nothing is synced.</p>
          <p className="muted">
            {t?.length === 0 ? (
              <>
                First add a teammate on the server: <code>touchpoint teammate add --email you@ourco.com</code>; then connect their mailbox
                and calendar below.
              </>
            ) : (
              'Connect a teammate’s mailbox and calendar below: Google, Microsoft 365, IMAP, CalDAV or a folder.'
            )}
          </p>
        </div>
      ) : null}
      {conns.data?.connections.map((c) => (
        <ConnectionCard key={c.id} c={c} onChange={() => void conns.reload()} />
      ))}
      <DirectorySources />
      {/* Without a teammate there is nobody to connect: the empty state above says how to add one. */}
      {t?.length ? <h2>Connect</h2> : null}
      {/* Every server has both sign-in routes; one not set up for it answers 409 with what the admin must do, shown on the card. */}
      {t?.length ? (
        <div className="grid connect">
          <ConnectOAuth
            teammates={t}
            name="Google"
            start="/v1/oauth/google/start"
            products={[
              ['gmail', 'Gmail'],
              ['calendar', 'Google Calendar'],
            ]}
            cli="touchpoint authorize google prints the consent link, then touchpoint connect gmail / google-calendar stores the grant"
          />
          <ConnectOAuth
            teammates={t}
            name="Microsoft 365"
            start="/v1/oauth/microsoft/start"
            products={[
              ['mail', 'Outlook mail'],
              ['calendar', 'Outlook calendar'],
            ]}
            cli="touchpoint authorize microsoft prints the consent link, then touchpoint connect microsoft stores the grant"
          />
          <ConnectImap teammates={t} onDone={() => void conns.reload()} />
          <ConnectCalDav teammates={t} onDone={() => void conns.reload()} />
          <ConnectFolder teammates={t} onDone={() => void conns.reload()} />
        </div>
      ) : null}
    </>
  );
}
