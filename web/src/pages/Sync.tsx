import { useState, type FormEvent } from 'react';
import { api, ApiFailure, get, q, when, type Connection, type Counts, type Teammate } from '../api.js';
import { ErrorNote, Field, useAction, useLoad } from '../ui.js';

const STATUS: Record<string, string> = {
  active: 'Connected — syncing on schedule',
  needs_reauth: 'Needs re-authorization — nothing syncs until the teammate signs in again',
  error: 'The last sync failed — it is retried automatically',
  disconnected: 'Disconnected — nothing syncs',
};

function CountLine({ label, c }: { label: string; c: Counts }) {
  const skipped = Object.entries(c.skipped);
  return (
    <p>
      <strong>{label}:</strong> {c.seen} seen, {c.linked} linked{c.upcoming ? `, ${c.upcoming} upcoming` : ''}
      {skipped.length ? <>, skipped: {skipped.map(([why, n]) => `${n} ${why.replace(/_/g, ' ')}`).join(', ')}</> : ', none skipped'}
    </p>
  );
}

/** Progress of a running sync: the page the source reports, else the items seen so far. */
function Progress({ c }: { c: Connection }) {
  if (c.progress) {
    return (
      <p role="status" className="progress">
        Syncing… {c.progress.done}{c.progress.total ? ` of ${c.progress.total}` : ''} items read
        {c.progress.total ? <progress max={c.progress.total} value={c.progress.done} aria-label="Sync progress" /> : null}
      </p>
    );
  }
  if (c.status === 'active' && !c.lastSuccessAt) {
    const seen = c.counts.email.seen + c.counts.meeting.seen;
    return <p role="status" className="progress">First sync in progress… {seen} item(s) seen so far.</p>;
  }
  return null;
}

const PASSWORD_PROVIDERS = new Set(['imap', 'caldav']);
const OAUTH_START: Record<string, string> = { gmail: '/v1/oauth/google/start', google_calendar: '/v1/oauth/google/start' };

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
      const products = c.provider === 'gmail' ? 'gmail' : 'calendar';
      const r = await get<{ url: string }>(`${oauth}?${q({ teammate: c.teammate, products })}`);
      location.assign(r.url);
    });
  };
  return (
    <section className="card" aria-label={`Connection ${label}`} data-connection={c.id}>
      <h3>{label}</h3>
      <p className={`status ${c.status}`}>{STATUS[c.status] ?? c.status}{c.statusReason ? `: ${c.statusReason}` : ''}</p>
      <Progress c={c} />
      <dl className="facts">
        <dt>Authorized since</dt><dd>{when(c.authorizedAt)} <span className="muted">(earlier mail and meetings are historic)</span></dd>
        <dt>Last successful sync</dt><dd>{when(c.lastSuccessAt)}</dd>
        <dt>Next sync</dt><dd>{c.status === 'active' || c.status === 'error' ? when(c.nextSyncAt) : 'none — see above'}</dd>
        <dt>Last error</dt><dd>{c.lastError ?? 'none'}</dd>
      </dl>
      {c.mail ? <CountLine label="Email" c={c.counts.email} /> : null}
      {c.calendar ? <CountLine label="Meetings" c={c.counts.meeting} /> : null}
      {c.errors.length ? (
        <details><summary>{c.errors.length} item(s) could not be read</summary>
          <ul>{c.errors.map((e) => <li key={e.where}><code>{e.where}</code>: {e.reason} (last seen {when(e.lastSeenAt)})</li>)}</ul>
        </details>
      ) : null}
      <div className="actions">
        <button disabled={act.busy} onClick={() => act.run(async () => {
          const r = await api<{ status: string }>('POST', `/v1/connections/${c.id}/sync`);
          onChange();
          return r.status === 'queued' ? 'Sync started.' : 'A sync was already waiting; it will run next.';
        })}>Sync now</button>
        <button className="secondary" disabled={act.busy} onClick={reauthorize} aria-expanded={oauth ? undefined : reauth}>Re-authorize</button>
        <button className="danger" disabled={act.busy || c.status === 'disconnected'} onClick={() => setDisconnecting(true)}>Disconnect</button>
      </div>
      {disconnecting ? (
        <div className="warning" role="alertdialog" aria-label="Confirm disconnect">
          <p>Disconnect {label}? Nothing syncs any more and its stored {PASSWORD_PROVIDERS.has(c.provider) ? 'password is' : 'credentials are'} deleted; what was logged stays.</p>
          <div className="actions">
            <button className="danger" autoFocus disabled={act.busy} onClick={() => void act.run(async () => {
              await api('POST', `/v1/connections/${c.id}/disconnect`); setDisconnecting(false); onChange(); return 'Disconnected.';
            })}>Yes, disconnect</button>
            <button className="secondary" onClick={() => setDisconnecting(false)}>Cancel</button>
          </div>
        </div>
      ) : null}
      {reauth ? (
        <form className="row" aria-label={`Re-authorize ${label}`} onSubmit={(e) => { e.preventDefault(); void act.run(async () => {
          await api('POST', `/v1/connections/${c.id}/reauthorize`, PASSWORD_PROVIDERS.has(c.provider) ? { secret } : {});
          setReauth(false); setSecret(''); onChange();
          return 'Re-authorized: the server accepted the password; the next sync catches up what arrived meanwhile.';
        }); }}>
          {PASSWORD_PROVIDERS.has(c.provider) ? (
            <Field label="New password" hint="Checked against the server before it is saved"><input type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} required /></Field>
          ) : c.provider === 'folder' ? <p className="muted">A folder connection needs no credentials.</p>
            : <p className="muted">A {c.provider} connection is re-authorized on the server with the CLI (touchpoint reauthorize); see the README.</p>}
          <button type="submit" disabled={act.busy}>Save and resume syncing</button>
        </form>
      ) : null}
      <act.Status />
    </section>
  );
}

/** "Authorized since": now unless changed; earlier items are historic (never logged). */
function useAuthorizedSince() {
  const local = () => { const d = new Date(); d.setSeconds(0, 0); return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16); };
  const [value, setValue] = useState(local);
  const field = (
    <Field label="Authorized since" hint="Now by default: mail and meetings before this moment are historic and not logged">
      <input type="datetime-local" value={value} onChange={(e) => setValue(e.target.value)} required />
    </Field>
  );
  return { iso: () => new Date(value).toISOString(), field };
}

function TeammateSelect({ teammates, value, onChange }: { teammates: Teammate[]; value: string; onChange: (v: string) => void }) {
  return (
    <Field label="Teammate">
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {teammates.map((t) => <option key={t.id} value={t.email}>{t.name ? `${t.name} <${t.email}>` : t.email}</option>)}
      </select>
    </Field>
  );
}

function ConnectFolder({ teammates, onDone }: { teammates: Teammate[]; onDone: () => void }) {
  const act = useAction();
  const since = useAuthorizedSince();
  const [teammate, setTeammate] = useState('');
  const [mail, setMail] = useState('');
  const [calendar, setCalendar] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api('POST', '/v1/connections/folder', {
        teammate: teammate || teammates[0]?.email, ...(mail ? { mail } : {}), ...(calendar ? { calendar } : {}), authorizedAt: since.iso(),
      });
      onDone();
      return 'Connected. The first sync has started.';
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Connect a folder">
      <h3>Folder on the server (.eml / Maildir, .ics)</h3>
      <TeammateSelect teammates={teammates} value={teammate} onChange={setTeammate} />
      <Field label="Mail folder" hint="A directory of .eml files or a Maildir, on the server"><input value={mail} onChange={(e) => setMail(e.target.value)} /></Field>
      <Field label="Calendar folder" hint="A directory of .ics files, on the server"><input value={calendar} onChange={(e) => setCalendar(e.target.value)} /></Field>
      {since.field}
      <button type="submit" disabled={act.busy}>Connect folder</button>
      <act.Status />
    </form>
  );
}

function ConnectImap({ teammates, onDone }: { teammates: Teammate[]; onDone: () => void }) {
  const act = useAction();
  const since = useAuthorizedSince();
  const [f, setF] = useState({ teammate: '', host: '', port: '', security: 'tls', user: '', password: '', folders: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const folders = f.folders.split(',').map((x) => x.trim()).filter(Boolean);
      await api('POST', '/v1/connections/imap', {
        teammate: f.teammate || teammates[0]?.email, host: f.host.trim(), security: f.security, user: f.user, password: f.password,
        authorizedAt: since.iso(), ...(f.port ? { port: Number(f.port) } : {}), ...(folders.length ? { folders } : {}),
      });
      setF({ ...f, password: '' });
      onDone();
      return `Connected: ${f.host} accepted the sign-in. The first sync has started.`;
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Connect IMAP">
      <h3>IMAP mailbox</h3>
      <TeammateSelect teammates={teammates} value={f.teammate} onChange={(v) => setF({ ...f, teammate: v })} />
      <Field label="IMAP server"><input value={f.host} onChange={set('host')} placeholder="imap.example.com" autoComplete="off" required /></Field>
      <Field label="Security">
        <select value={f.security} onChange={set('security')}>
          <option value="tls">TLS (port 993)</option>
          <option value="starttls">STARTTLS (port 143)</option>
          <option value="plain">None — a server on this machine only</option>
        </select>
      </Field>
      <Field label="Port" hint="Empty: the usual one for the security chosen"><input type="number" min={1} max={65535} value={f.port} onChange={set('port')} /></Field>
      <Field label="User name"><input value={f.user} onChange={set('user')} autoComplete="off" required /></Field>
      <Field label="Password" hint="Checked by signing in now; stored encrypted"><input type="password" value={f.password} onChange={set('password')} autoComplete="new-password" required /></Field>
      <Field label="Folders" hint="Comma-separated; empty: INBOX and Sent"><input value={f.folders} onChange={set('folders')} /></Field>
      {since.field}
      <button type="submit" disabled={act.busy}>{act.busy ? 'Signing in…' : 'Connect IMAP'}</button>
      <act.Status />
    </form>
  );
}

function ConnectCalDav({ teammates, onDone }: { teammates: Teammate[]; onDone: () => void }) {
  const act = useAction();
  const since = useAuthorizedSince();
  const [f, setF] = useState({ teammate: '', url: '', user: '', password: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api('POST', '/v1/connections/caldav', { teammate: f.teammate || teammates[0]?.email, url: f.url.trim(), user: f.user, password: f.password, authorizedAt: since.iso() });
      setF({ ...f, password: '' });
      onDone();
      return 'Connected: the server accepted the sign-in. The first sync has started.';
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Connect CalDAV">
      <h3>CalDAV calendar</h3>
      <TeammateSelect teammates={teammates} value={f.teammate} onChange={(v) => setF({ ...f, teammate: v })} />
      <Field label="CalDAV URL" hint="https://…; the calendars are found from it"><input type="url" value={f.url} onChange={set('url')} placeholder="https://caldav.example.com/" required /></Field>
      <Field label="User name"><input value={f.user} onChange={set('user')} autoComplete="off" required /></Field>
      <Field label="Password" hint="Checked by listing the calendars now; stored encrypted"><input type="password" value={f.password} onChange={set('password')} autoComplete="new-password" required /></Field>
      {since.field}
      <button type="submit" disabled={act.busy}>{act.busy ? 'Checking…' : 'Connect CalDAV'}</button>
      <act.Status />
    </form>
  );
}

/** Connect with a provider's sign-in (OAuth), when this server has that flow. */
function ConnectOAuth({ teammates, name, start, products, cli }: { teammates: Teammate[]; name: string; start: string | null; products: [string, string][]; cli: string }) {
  const act = useAction();
  const [teammate, setTeammate] = useState('');
  const [chosen, setChosen] = useState(() => products.map(([p]) => p));
  const [unavailable, setUnavailable] = useState<string | null>(start ? null : `This server has no ${name} sign-in page yet. An admin connects ${name} on the server with the CLI: ${cli} (see the README).`);
  const connect = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      try {
        const r = await get<{ url: string }>(`${start}?${q({ teammate: teammate || teammates[0]?.email, products: chosen.join(',') })}`);
        location.assign(r.url);
      } catch (err) {
        // 409: the server is not set up for it (no OAuth client, no secret key): say what the admin must do.
        if (err instanceof ApiFailure && err.status === 409) setUnavailable(`Not available on this server: ${err.message}`);
        else throw err;
      }
    });
  };
  return (
    <form className="card" onSubmit={connect} aria-label={`Connect ${name}`}>
      <h3>{name}</h3>
      <TeammateSelect teammates={teammates} value={teammate} onChange={setTeammate} />
      <fieldset className="checks"><legend>What to sync</legend>
        {products.map(([p, label]) => (
          <label key={p}><input type="checkbox" checked={chosen.includes(p)} onChange={(e) => setChosen(e.target.checked ? [...chosen, p] : chosen.filter((x) => x !== p))} /> {label}</label>
        ))}
      </fieldset>
      <p className="muted">You sign in with {name} and grant read-only access; you come back here when done. Authorized since: now.</p>
      <button type="submit" disabled={act.busy || !!unavailable || chosen.length === 0}>Connect {name}</button>
      {unavailable ? <p className="warning" role="note">{unavailable}</p> : null}
      <act.Status />
    </form>
  );
}

/** What the provider sign-in said when it sent the browser back (#/sync?connected=… or ?error=…). */
function ReturnNote() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const connected = params.get('connected');
  const error = params.get('error');
  if (error) return <p className="error" role="alert">Connecting did not finish: {error}</p>;
  if (connected) return <p className="ok" role="status">Connected {connected.split(',').length} connection(s); the first sync has started.</p>;
  return null;
}

export function SyncPage() {
  const conns = useLoad(() => get<{ connections: Connection[]; syncIntervalMinutes: number }>('/v1/connections'), [], 3000);
  const teammates = useLoad(() => get<Teammate[]>('/v1/teammates'), []);
  // Which sign-in flows this server offers: its OpenAPI document lists them.
  const paths = useLoad(async () => Object.keys(((await get<{ paths: Record<string, unknown> }>('/openapi.json')).paths)), []);
  const has = (p: string) => (paths.data?.includes(p) ? p : null);
  const t = teammates.data;
  return (
    <>
      <h1>Profile → Sync email &amp; calendar</h1>
      <ReturnNote />
      <ErrorNote error={conns.error} />
      {conns.data ? <p className="muted">Scheduled syncs run every {conns.data.syncIntervalMinutes} minutes; this page refreshes every few seconds.</p> : null}
      <h2>Connections</h2>
      {conns.data?.connections.length === 0 ? <p>No connections yet. Connect one below.</p> : null}
      {conns.data?.connections.map((c) => <ConnectionCard key={c.id} c={c} onChange={() => void conns.reload()} />)}
      <h2>Connect</h2>
      {t && paths.data ? (
        <div className="grid connect">
          <ConnectOAuth teammates={t} name="Google" start={has('/v1/oauth/google/start')} products={[['gmail', 'Gmail'], ['calendar', 'Google Calendar']]} cli="touchpoint authorize google prints the consent link, then touchpoint connect gmail / google-calendar stores the grant" />
          <ConnectOAuth teammates={t} name="Microsoft 365" start={has('/v1/oauth/microsoft/start')} products={[['mail', 'Outlook mail'], ['calendar', 'Outlook calendar']]}
            cli="touchpoint authorize microsoft prints the consent link, then touchpoint connect microsoft stores the grant" />
          <ConnectImap teammates={t} onDone={() => void conns.reload()} />
          <ConnectCalDav teammates={t} onDone={() => void conns.reload()} />
          <ConnectFolder teammates={t} onDone={() => void conns.reload()} />
        </div>
      ) : null}
    </>
  );
}
