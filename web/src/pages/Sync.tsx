import { useState, type FormEvent } from 'react';
import { api, get, when, type Connection, type Counts, type Teammate } from '../api.js';
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

function ConnectionCard({ c, onChange }: { c: Connection; onChange: () => void }) {
  const act = useAction();
  const [secret, setSecret] = useState('');
  const [reauth, setReauth] = useState(false);
  const label = `${c.teammate} (${c.provider}${c.mail ? ', mail' : ''}${c.calendar ? ', calendar' : ''})`;
  return (
    <section className="card" aria-label={`Connection ${label}`} data-connection={c.id}>
      <h3>{label}</h3>
      <p className={`status ${c.status}`}>{STATUS[c.status] ?? c.status}{c.statusReason ? `: ${c.statusReason}` : ''}</p>
      {c.progress ? <p role="status">Syncing… {c.progress.done}{c.progress.total ? ` of ${c.progress.total}` : ''} items{c.progress.total ? <progress max={c.progress.total} value={c.progress.done} /> : null}</p> : null}
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
        <button className="secondary" onClick={() => setReauth(!reauth)} aria-expanded={reauth}>Re-authorize</button>
        <button className="danger" disabled={act.busy || c.status === 'disconnected'} onClick={() => {
          if (!confirm(`Disconnect ${label}? Nothing syncs any more; what was logged stays.`)) return;
          void act.run(async () => { await api('POST', `/v1/connections/${c.id}/disconnect`); onChange(); return 'Disconnected.'; });
        }}>Disconnect</button>
      </div>
      {reauth ? (
        <form className="row" onSubmit={(e) => { e.preventDefault(); void act.run(async () => {
          await api('POST', `/v1/connections/${c.id}/reauthorize`, c.provider === 'folder' ? {} : { secret });
          setReauth(false); setSecret(''); onChange();
          return 'Re-authorized: the next sync catches up what arrived meanwhile.';
        }); }}>
          {c.provider !== 'folder' ? (
            <Field label="New password or token"><input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} required /></Field>
          ) : <p className="muted">A folder connection needs no credentials.</p>}
          <button type="submit" disabled={act.busy}>Save and resume syncing</button>
        </form>
      ) : null}
      <act.Status />
    </section>
  );
}

function ConnectFolder({ teammates, onDone }: { teammates: Teammate[]; onDone: () => void }) {
  const act = useAction();
  const [teammate, setTeammate] = useState('');
  const [mail, setMail] = useState('');
  const [calendar, setCalendar] = useState('');
  const [authorizedAt, setAuthorizedAt] = useState(new Date().toISOString().slice(0, 10));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api('POST', '/v1/connections/folder', {
        teammate: teammate || teammates[0]?.email, ...(mail ? { mail } : {}), ...(calendar ? { calendar } : {}),
        authorizedAt: new Date(`${authorizedAt}T00:00:00Z`).toISOString(),
      });
      onDone();
      return 'Connected. The first sync has started.';
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Connect a folder">
      <h3>Folder on the server (.eml / Maildir, .ics)</h3>
      <Field label="Teammate">
        <select value={teammate} onChange={(e) => setTeammate(e.target.value)}>
          {teammates.map((t) => <option key={t.id} value={t.email}>{t.name ? `${t.name} <${t.email}>` : t.email}</option>)}
        </select>
      </Field>
      <Field label="Mail folder" hint="A directory of .eml files or a Maildir, on the server"><input value={mail} onChange={(e) => setMail(e.target.value)} /></Field>
      <Field label="Calendar folder" hint="A directory of .ics files, on the server"><input value={calendar} onChange={(e) => setCalendar(e.target.value)} /></Field>
      <Field label="Authorized since" hint="Mail and meetings before this day are historic and not logged"><input type="date" value={authorizedAt} onChange={(e) => setAuthorizedAt(e.target.value)} required /></Field>
      <button type="submit" disabled={act.busy}>Connect folder</button>
      <act.Status />
    </form>
  );
}

function ConnectByCli({ kind }: { kind: 'IMAP' | 'CalDAV' }) {
  const cmd = kind === 'IMAP'
    ? 'touchpoint connect imap --teammate <address> --host <host> --user <name> --password-env IMAP_PASSWORD'
    : 'touchpoint connect caldav --teammate <address> --url <https://…> --user <name> --password-env CALDAV_PASSWORD';
  return (
    <section className="card" aria-label={`Connect ${kind}`}>
      <h3>{kind}</h3>
      <p>{kind} connections are verified against the server and their password stored encrypted; the HTTP API has no {kind} connect endpoint yet, so an admin connects them on the server:</p>
      <pre><code>{cmd}</code></pre>
      <p className="muted">Gmail and Microsoft 365 connect over IMAP (XOAUTH2) the same way.</p>
    </section>
  );
}

export function SyncPage() {
  const conns = useLoad(() => get<{ connections: Connection[]; syncIntervalMinutes: number }>('/v1/connections'), [], 3000);
  const teammates = useLoad(() => get<Teammate[]>('/v1/teammates'), []);
  return (
    <>
      <h1>Profile → Sync email &amp; calendar</h1>
      <ErrorNote error={conns.error} />
      {conns.data ? <p className="muted">Scheduled syncs run every {conns.data.syncIntervalMinutes} minutes; this page refreshes every few seconds.</p> : null}
      <h2>Connections</h2>
      {conns.data?.connections.length === 0 ? <p>No connections yet. Connect one below.</p> : null}
      {conns.data?.connections.map((c) => <ConnectionCard key={c.id} c={c} onChange={() => void conns.reload()} />)}
      <h2>Connect</h2>
      <div className="grid">
        {teammates.data ? <ConnectFolder teammates={teammates.data} onDone={() => void conns.reload()} /> : null}
        <ConnectByCli kind="IMAP" />
        <ConnectByCli kind="CalDAV" />
      </div>
    </>
  );
}
