import { useState, type FormEvent } from 'react';
import {
  api,
  get,
  recreatingSource,
  when,
  type Account,
  type AuditEntry,
  type ChangeResult,
  type EndUser,
  type Hygiene,
  type ImportResult,
  type Workspace,
} from '../api.js';
import { auditDetails, auditWhat, auditWhere, auditWho } from '../audit-words.js';
import { ErrorNote, Field, useAction, useLoad } from '../ui.js';

/** rev: bumped after every change on this page, so the lists that depend on it reload. */
interface Sync {
  rev: number;
  changed: () => void;
}

function EndUsers({ rev, changed }: Sync) {
  const accounts = useLoad(() => get<Account[]>('/v1/accounts'), []);
  const [accountId, setAccountId] = useState('');
  const current = accountId || accounts.data?.[0]?.id || '';
  const users = useLoad(
    async () => (current ? get<EndUser[]>(`/v1/accounts/${encodeURIComponent(current)}/end-users`) : []),
    [current, rev],
  );
  const act = useAction();
  const [pending, setPending] = useState<{ u: EndUser; suppress: boolean } | null>(null);
  const [warning, setWarning] = useState<string | null>(null);
  const confirmDelete = () => {
    if (!pending) return;
    const { u, suppress } = pending;
    void act.run(async () => {
      const r = await api<ChangeResult>(
        'DELETE',
        `/v1/accounts/${encodeURIComponent(u.accountId)}/end-users/${encodeURIComponent(u.email)}?suppress=${suppress}`,
      );
      setPending(null);
      setWarning(r.warning ?? null);
      changed();
      return `Deleted ${u.email}${suppress ? ' and suppressed it' : ''}: ${r.unlinked.length} item(s) unlinked, ${r.linked.length} linked.`;
    });
  };
  const re = pending ? recreatingSource(pending.u.source) : null;
  return (
    <section className="card" aria-labelledby="eu-h">
      <h2 id="eu-h">End users</h2>
      <Field label="Account">
        <select
          value={current}
          onChange={(e) => {
            setAccountId(e.target.value);
            setPending(null);
            setWarning(null);
          }}
        >
          {accounts.data?.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </Field>
      <ErrorNote error={users.error} />
      <div className="table-wrap">
        <table aria-label="End users">
          <thead>
            <tr>
              <th>Email</th>
              <th>Name</th>
              <th>Source</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.data?.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.name ?? ''}</td>
                <td>
                  {u.source}
                  {u.externalId ? ` #${u.externalId}` : ''}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      setWarning(null);
                      setPending({ u, suppress: false });
                    }}
                    aria-label={`Delete ${u.email}`}
                  >
                    Delete
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      setWarning(null);
                      setPending({ u, suppress: true });
                    }}
                    aria-label={`Delete and suppress ${u.email}`}
                  >
                    Delete and suppress
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pending ? (
        <div className="warning" role="alertdialog" aria-label="Confirm deletion">
          <p>
            {pending.suppress ? 'Delete and suppress' : 'Delete'} <strong>{pending.u.email}</strong> from {pending.u.accountId}? Its emails
            and meetings are unlinked from this account.
          </p>
          {re && !pending.suppress ? (
            <p>
              <strong>It will be recreated by {re}</strong> at its next import. Remove it there, or use “Delete and suppress”.
            </p>
          ) : null}
          {re && pending.suppress ? <p>Suppressed: {re} imports will skip it from now on.</p> : null}
          <div className="actions">
            {/* biome-ignore lint/a11y/noAutofocus: the user just asked to delete; focus goes to the confirmation they opened */}
            <button type="button" className="danger" onClick={confirmDelete} disabled={act.busy} autoFocus>
              Confirm
            </button>
            <button type="button" className="secondary" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {warning ? (
        <p className="warning" role="alert">
          {warning}
        </p>
      ) : null}
      {act.status}
    </section>
  );
}

function CsvImport({ changed }: Pick<Sync, 'changed'>) {
  const act = useAction();
  const [csv, setCsv] = useState('account_id,email,name,external_id\n');
  const [source, setSource] = useState('csv');
  const [r, setR] = useState<ImportResult | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const res = await api<ImportResult>('POST', '/v1/end-users/import', { csv, source });
      setR(res);
      changed();
      return (
        `Imported: ${res.counts.created} created, ${res.counts.unchanged} unchanged, ${res.counts.skipped_suppressed} skipped ` +
        `(suppressed), ${res.counts.error} errors.`
      );
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="csv-h">
      <h2 id="csv-h">CSV import</h2>
      <Field label="Source" hint="csv, manual, crm:<name>, support:<name> or integration:<name>">
        <input value={source} onChange={(e) => setSource(e.target.value)} required />
      </Field>
      <Field label="CSV file">
        <input
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void file.text().then(setCsv);
          }}
        />
      </Field>
      <Field label="CSV text" hint="Columns account_id,email,name,external_id">
        <textarea value={csv} onChange={(e) => setCsv(e.target.value)} required />
      </Field>
      <button type="submit" disabled={act.busy}>
        Import
      </button>
      {act.status}
      {r ? (
        <div className="table-wrap">
          <table aria-label="Import report">
            <thead>
              <tr>
                <th>Line</th>
                <th>Email</th>
                <th>Account</th>
                <th>Outcome</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {r.rows.map((row) => (
                <tr key={row.line}>
                  <td>{row.line}</td>
                  <td>{row.email ?? ''}</td>
                  <td>{row.accountId ?? ''}</td>
                  <td className={row.outcome === 'error' ? 'fail' : ''}>{row.outcome.replace('_', ' ')}</td>
                  <td>{row.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </form>
  );
}

function Blocklist({ changed }: Pick<Sync, 'changed'>) {
  const list = useLoad(() => get<{ entry: string; kind: string }[]>('/v1/blocklist'), []);
  const act = useAction();
  const [entry, setEntry] = useState('');
  return (
    <section className="card" aria-labelledby="bl-h">
      <h2 id="bl-h">Blocklist</h2>
      <ul>
        {list.data?.map((b) => (
          <li key={b.entry}>
            {b.entry} <span className="muted">({b.kind})</span>{' '}
            <button
              type="button"
              className="secondary"
              aria-label={`Remove ${b.entry}`}
              onClick={() =>
                void act.run(async () => {
                  const r = await api<ChangeResult>('DELETE', `/v1/blocklist/${encodeURIComponent(b.entry)}`);
                  void list.reload();
                  changed();
                  return `Removed ${b.entry}: ${r.linked.length} item(s) linked.`;
                })
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            const r = await api<ChangeResult>('POST', '/v1/blocklist', { entry });
            setEntry('');
            void list.reload();
            changed();
            return `Blocklisted: ${r.unlinked.length} item(s) unlinked.`;
          });
        }}
      >
        <Field label="Domain or address to blocklist">
          <input value={entry} onChange={(e) => setEntry(e.target.value)} required />
        </Field>
        <button type="submit" disabled={act.busy}>
          Add
        </button>
      </form>
      {act.status}
    </section>
  );
}

interface DomainChange extends ChangeResult {
  internalDomains: string[];
}

function InternalDomains({
  workspace,
  onWorkspace,
  changed,
}: { workspace: Workspace; onWorkspace: (w: Workspace) => void } & Pick<Sync, 'changed'>) {
  const act = useAction();
  const [domain, setDomain] = useState('');
  const apply = (r: DomainChange, what: string) => {
    onWorkspace({ ...workspace, internalDomains: r.internalDomains });
    changed();
    return `${what}: ${r.linked.length} item(s) linked, ${r.unlinked.length} unlinked.`;
  };
  return (
    <section className="card" aria-labelledby="id-h">
      <h2 id="id-h">Internal domains</h2>
      <p className="muted">Your own mail domains. Mail only among internal people is never logged; a change re-decides the past at once.</p>
      <ul className="chips" aria-label="Internal domains">
        {workspace.internalDomains.map((d) => (
          <li key={d}>
            {d}{' '}
            <button
              type="button"
              className="secondary"
              aria-label={`Remove internal domain ${d}`}
              disabled={act.busy}
              onClick={() =>
                void act.run(async () =>
                  apply(await api<DomainChange>('DELETE', `/v1/internal-domains/${encodeURIComponent(d)}`), `Removed ${d}`),
                )
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {workspace.internalDomains.length === 0 ? <p>None yet.</p> : null}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            const r = await api<DomainChange>('POST', '/v1/internal-domains', { domain });
            setDomain('');
            return apply(r, `Added ${domain.trim().toLowerCase()}`);
          });
        }}
      >
        <Field label="Internal domain to add">
          <input value={domain} onChange={(e) => setDomain(e.target.value)} placeholder="ourco.com" required />
        </Field>
        <button type="submit" disabled={act.busy}>
          Add domain
        </button>
      </form>
      {act.status}
    </section>
  );
}

function Settings({ workspace, onWorkspace }: { workspace: Workspace; onWorkspace: (w: Workspace) => void }) {
  const act = useAction();
  const [minutes, setMinutes] = useState(workspace.syncIntervalMinutes);
  return (
    <section className="card" aria-labelledby="set-h">
      <h2 id="set-h">Sync interval</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            onWorkspace(await api<Workspace>('PATCH', '/v1/workspace', { syncIntervalMinutes: minutes }));
            return `Saved: every ${minutes} minutes.`;
          });
        }}
      >
        <Field label="Sync interval (minutes, 1–30)" hint="Scheduled syncs run this often; Sync now runs at once">
          <input type="number" min={1} max={30} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} />
        </Field>
        <button type="submit" disabled={act.busy}>
          Save
        </button>
      </form>
      {act.status}
    </section>
  );
}

function HygieneView({ rev }: Pick<Sync, 'rev'>) {
  const h = useLoad(() => get<Hygiene>('/v1/hygiene?minAccounts=2'), [rev]);
  const d = h.data;
  return (
    <section className="card" aria-labelledby="hy-h">
      <h2 id="hy-h">Directory hygiene</h2>
      <ErrorNote error={h.error} />
      {d ? (
        <>
          <h3>Internal addresses as end users ({d.internalAddresses.length})</h3>
          <ul>
            {d.internalAddresses.map((u) => (
              <li key={u.id}>
                {u.email} in {u.accountId}: {u.why}
              </li>
            ))}
          </ul>
          <h3>Blocklisted end users ({d.blocklisted.length})</h3>
          <ul>
            {d.blocklisted.map((u) => (
              <li key={u.id}>
                {u.email} in {u.accountId}: {u.why}
              </li>
            ))}
          </ul>
          <h3>Domains in several accounts — partners, resellers, free mail ({d.sharedDomains.length})</h3>
          <ul>
            {d.sharedDomains.map((s) => (
              <li key={s.domain}>
                {s.domain}: {s.accounts.join(', ')} ({s.endUsers} end users)
              </li>
            ))}
          </ul>
          <h3>Addresses in several accounts ({d.multiAccountAddresses.length})</h3>
          <ul>
            {d.multiAccountAddresses.map((m) => (
              <li key={m.email}>
                {m.email}: {m.accounts.join(', ')}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function Audit({ rev }: Pick<Sync, 'rev'>) {
  const a = useLoad(() => get<AuditEntry[]>('/v1/audit?limit=50'), [rev]);
  return (
    <section className="card" aria-labelledby="au-h">
      <h2 id="au-h">Audit log</h2>
      <ErrorNote error={a.error} />
      <div className="table-wrap">
        <table aria-label="Audit log">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Where</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {a.data?.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list replaced whole on each response; its items have no id and never move
              <tr key={i}>
                <td>{when(e.at)}</td>
                <td>{auditWho(e.actor)}</td>
                <td>{auditWhat(e.action, e.target)}</td>
                <td>{auditWhere(e.source)}</td>
                <td>{auditDetails(e.details).join(' · ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function AdminPage(p: { workspace: Workspace; onWorkspace: (w: Workspace) => void }) {
  const [rev, setRev] = useState(0);
  const changed = () => setRev((n) => n + 1);
  return (
    <>
      <h1>Admin</h1>
      <EndUsers rev={rev} changed={changed} />
      <CsvImport changed={changed} />
      <div className="grid">
        <Blocklist changed={changed} />
        <InternalDomains {...p} changed={changed} />
        <Settings {...p} />
      </div>
      <HygieneView rev={rev} />
      <Audit rev={rev} />
    </>
  );
}
