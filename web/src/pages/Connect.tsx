// The connect forms of the Sync page: a provider's sign-in (OAuth), IMAP, CalDAV and a
// folder on the server. IMAP and CalDAV passwords go to the API once, which signs in with them
// before saving anything (encrypted); the form never keeps them after a success.
import { useState, type FormEvent } from 'react';
import { api, ApiFailure, get, q, type Teammate } from '../api.js';
import { serverNow } from '../server-clock.js';
import { Field, useAction } from '../ui.js';

/** "Authorized since": now on the service's clock unless changed; earlier items are historic (never logged). */
function useAuthorizedSince() {
  const local = () => {
    const d = serverNow();
    d.setSeconds(0, 0);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  };
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
        {teammates.map((t) => (
          <option key={t.id} value={t.email}>
            {t.name ? `${t.name} <${t.email}>` : t.email}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function ConnectFolder({ teammates, onDone }: { teammates: Teammate[]; onDone: () => void }) {
  const act = useAction();
  const since = useAuthorizedSince();
  const [teammate, setTeammate] = useState('');
  const [mail, setMail] = useState('');
  const [calendar, setCalendar] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api('POST', '/v1/connections/folder', {
        teammate: teammate || teammates[0]?.email,
        ...(mail ? { mail } : {}),
        ...(calendar ? { calendar } : {}),
        authorizedAt: since.iso(),
      });
      onDone();
      return 'Connected. The first sync has started.';
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Connect a folder">
      <h3>Folder on the server (.eml / Maildir, .ics)</h3>
      <TeammateSelect teammates={teammates} value={teammate} onChange={setTeammate} />
      <Field label="Mail folder" hint="A directory of .eml files or a Maildir, on the server">
        <input value={mail} onChange={(e) => setMail(e.target.value)} />
      </Field>
      <Field label="Calendar folder" hint="A directory of .ics files, on the server">
        <input value={calendar} onChange={(e) => setCalendar(e.target.value)} />
      </Field>
      {since.field}
      <button type="submit" disabled={act.busy}>
        Connect folder
      </button>
      {act.status}
    </form>
  );
}

export function ConnectImap({ teammates, onDone }: { teammates: Teammate[]; onDone: () => void }) {
  const act = useAction();
  const since = useAuthorizedSince();
  const [f, setF] = useState({ teammate: '', host: '', port: '', security: 'tls', user: '', password: '', folders: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const folders = f.folders
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      await api('POST', '/v1/connections/imap', {
        teammate: f.teammate || teammates[0]?.email,
        host: f.host.trim(),
        security: f.security,
        user: f.user,
        password: f.password,
        authorizedAt: since.iso(),
        ...(f.port ? { port: Number(f.port) } : {}),
        ...(folders.length ? { folders } : {}),
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
      <Field label="IMAP server">
        <input value={f.host} onChange={set('host')} placeholder="imap.example.com" autoComplete="off" required />
      </Field>
      <Field label="Security">
        <select value={f.security} onChange={set('security')}>
          <option value="tls">TLS (port 993)</option>
          <option value="starttls">STARTTLS (port 143)</option>
          <option value="plain">None — a server on this machine only</option>
        </select>
      </Field>
      <Field label="Port" hint="Empty: the usual one for the security chosen">
        <input type="number" min={1} max={65535} value={f.port} onChange={set('port')} />
      </Field>
      <Field label="User name">
        <input value={f.user} onChange={set('user')} autoComplete="off" required />
      </Field>
      <Field label="Password" hint="Checked by signing in now; stored encrypted">
        <input type="password" value={f.password} onChange={set('password')} autoComplete="new-password" required />
      </Field>
      <Field
        label="Only these folders"
        hint="Comma-separated; empty: every folder but Junk, Trash and Drafts (change it later on the connection)"
      >
        <input value={f.folders} onChange={set('folders')} />
      </Field>
      {since.field}
      <button type="submit" disabled={act.busy}>
        {act.busy ? 'Signing in…' : 'Connect IMAP'}
      </button>
      {act.status}
    </form>
  );
}

export function ConnectCalDav({ teammates, onDone }: { teammates: Teammate[]; onDone: () => void }) {
  const act = useAction();
  const since = useAuthorizedSince();
  const [f, setF] = useState({ teammate: '', url: '', user: '', password: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api('POST', '/v1/connections/caldav', {
        teammate: f.teammate || teammates[0]?.email,
        url: f.url.trim(),
        user: f.user,
        password: f.password,
        authorizedAt: since.iso(),
      });
      setF({ ...f, password: '' });
      onDone();
      return 'Connected: the server accepted the sign-in. The first sync has started.';
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Connect CalDAV">
      <h3>CalDAV calendar</h3>
      <TeammateSelect teammates={teammates} value={f.teammate} onChange={(v) => setF({ ...f, teammate: v })} />
      <Field label="CalDAV URL" hint="https://…; the calendars are found from it">
        <input type="url" value={f.url} onChange={set('url')} placeholder="https://caldav.example.com/" required />
      </Field>
      <Field label="User name">
        <input value={f.user} onChange={set('user')} autoComplete="off" required />
      </Field>
      <Field label="Password" hint="Checked by listing the calendars now; stored encrypted">
        <input type="password" value={f.password} onChange={set('password')} autoComplete="new-password" required />
      </Field>
      {since.field}
      <button type="submit" disabled={act.busy}>
        {act.busy ? 'Checking…' : 'Connect CalDAV'}
      </button>
      {act.status}
    </form>
  );
}

/** Connect with a provider's sign-in (OAuth), when this server has that flow. */
export function ConnectOAuth({
  teammates,
  name,
  start,
  products,
  cli,
}: {
  teammates: Teammate[];
  name: string;
  start: string | null;
  products: [string, string][];
  cli: string;
}) {
  const act = useAction();
  const [teammate, setTeammate] = useState('');
  const [chosen, setChosen] = useState(() => products.map(([p]) => p));
  const [unavailable, setUnavailable] = useState<string | null>(
    start
      ? null
      : `This server has no ${name} sign-in page yet. An admin connects ${name} on the server with the CLI: ${cli} (see docs/providers/).`,
  );
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
      <fieldset className="checks">
        <legend>What to sync</legend>
        {products.map(([p, label]) => (
          <label key={p}>
            <input
              type="checkbox"
              checked={chosen.includes(p)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, p] : chosen.filter((x) => x !== p))}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      <p className="muted">You sign in with {name} and grant read-only access; you come back here when done. Authorized since: now.</p>
      <button type="submit" disabled={act.busy || !!unavailable || chosen.length === 0}>
        Connect {name}
      </button>
      {unavailable ? (
        <p className="warning" role="note">
          {unavailable}
        </p>
      ) : null}
      {act.status}
    </form>
  );
}
