// The audit log as a table a person can filter: by what was done, by who, from a day on.
// Filters run over the newest entries the API returns (LIMIT); details read as words.
import { useState } from 'react';
import { get, type AuditEntry } from '../../api.js';
import { auditActionWords, auditDetails, auditWhat, auditWhere, auditWho } from '../../audit-words.js';
import { Time } from '../../time.js';
import { UndoButton } from '../../undo-button.js';
import { ErrorNote, Field, useLoad, TableWrap } from '../../ui.js';
import type { AdminSync } from './sync.js';

const LIMIT = 500;
const distinct = (xs: string[]) => [...new Set(xs)].sort();

export function AuditLog({ rev, changed }: Pick<AdminSync, 'rev' | 'changed'>) {
  const a = useLoad(() => get<AuditEntry[]>(`/v1/audit?limit=${LIMIT}`), [rev]);
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [from, setFrom] = useState('');
  const all = a.data ?? [];
  // A day typed in the viewer's own calendar: from its local midnight.
  const since = from ? new Date(`${from}T00:00`).getTime() : null;
  const rows = all.filter(
    (e) => (!action || e.action === action) && (!actor || e.actor === actor) && (since === null || new Date(e.at).getTime() >= since),
  );
  const filtered = action !== '' || actor !== '' || from !== '';
  return (
    <section className="card" aria-labelledby="au-h">
      <h2 id="au-h">Audit log</h2>
      <p className="muted">Every change, newest first: who did what, from where, and what it linked or unlinked.</p>
      <ErrorNote error={a.error} />
      <form className="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <Field label="Action">
          <select value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">Every action</option>
            {distinct(all.map((e) => e.action)).map((x) => (
              <option key={x} value={x}>
                {auditActionWords(x)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Who">
          <select value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value="">Anyone</option>
            {distinct(all.map((e) => e.actor)).map((x) => (
              <option key={x} value={x}>
                {auditWho(x)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="From day">
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        {filtered ? (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setAction('');
              setActor('');
              setFrom('');
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      <p className="muted" role="status">
        {a.data ? `${rows.length} of ${all.length} entries${all.length === LIMIT ? ` (the newest ${LIMIT})` : ''}` : 'Loading…'}
      </p>
      {a.data && rows.length === 0 ? (
        <div className="empty">
          <p>{all.length === 0 ? 'Nothing changed yet.' : 'No entry matches these filters.'}</p>
          <p className="muted">
            {all.length === 0
              ? 'Connections, end users, the blocklist and tokens are recorded here as they change.'
              : 'Clear a filter or pick an earlier day.'}
          </p>
        </div>
      ) : (
        <TableWrap>
          <table aria-label="Audit log">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Where</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list replaced whole on each response; its items have no id and never move
                <tr key={i}>
                  <td className="nowrap">
                    <Time iso={e.at} />
                  </td>
                  <td>{auditWho(e.actor)}</td>
                  <td>{auditWhat(e.action, e.target, e.details)}</td>
                  <td>{auditWhere(e.source)}</td>
                  <td>
                    {auditDetails(e.details, e.action).map((d) => (
                      <div key={d}>{d}</div>
                    ))}
                    {e.undoable && e.id ? (
                      <UndoButton auditId={e.id} what={auditWhat(e.action, e.target, e.details)} onUndone={changed} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
