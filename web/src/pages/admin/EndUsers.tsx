// End users per account with their source; delete / delete and suppress after a confirmation that
// names the source which would recreate them.
import { useState } from 'react';
import { api, get, recreatingSource, type Account, type ChangeResult, type EndUser } from '../../api.js';
import { ErrorNote, Field, useAction, useLoad, TableWrap } from '../../ui.js';
import type { AdminSync } from './sync.js';

export function EndUsers({ rev, changed }: AdminSync) {
  const accounts = useLoad(() => get<Account[]>('/v1/accounts'), []);
  const [accountId, setAccountId] = useState('');
  const current = accountId || accounts.data?.[0]?.id || '';
  const loaded = useLoad(
    async () => ({
      accountId: current,
      users: current ? await get<EndUser[]>(`/v1/accounts/${encodeURIComponent(current)}/end-users`) : [],
    }),
    [current, rev],
  );
  // Only the chosen account's rows: while another account's load is on its way, its rows (each
  // with a Delete button) would delete from the account no longer chosen.
  const users = { data: loaded.data?.accountId === current ? loaded.data.users : null, error: loaded.error };
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
      {accounts.data?.length ? (
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
      ) : null}
      <ErrorNote error={users.error} />
      {accounts.data?.length === 0 ? (
        <div className="empty">
          <p>No accounts yet.</p>
          <p className="muted">
            Add one on the server with <code>touchpoint account add --id acme --name "Acme Corp"</code>, then import its end users below.
          </p>
        </div>
      ) : null}
      {current && users.data?.length === 0 ? (
        <div className="empty">
          <p>No end users in this account yet: none of its mail is logged.</p>
          <p className="muted">Import them below (CSV import), or from your CRM with the CLI.</p>
        </div>
      ) : null}
      {users.data?.length ? (
        <TableWrap>
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
                  <td>
                    <div className="actions">
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
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
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
