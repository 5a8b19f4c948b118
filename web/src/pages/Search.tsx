import { useState, type FormEvent } from 'react';
import { get, q, type SearchResult } from '../api.js';
import { Time } from '../time.js';
import { Field, useAction } from '../ui.js';

export function SearchPage() {
  const act = useAction();
  const [text, setText] = useState('');
  const [r, setR] = useState<SearchResult | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      setR(await get<SearchResult>(`/v1/search?${q({ q: text })}`));
    });
  };
  return (
    <>
      <h1>Search</h1>
      {/* biome-ignore lint/a11y/useSemanticElements: a form with role="search" is the landmark every browser knows; <search> is too new for some */}
      <form className="row" onSubmit={submit} role="search">
        <Field label="Address or part of one">
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} minLength={2} required />
        </Field>
        <button type="submit" disabled={act.busy}>
          Search
        </button>
      </form>
      {act.status}
      {r && r.accounts.length + r.teammates.length + r.activities.length === 0 ? (
        <div className="empty">
          <p>Nothing matches “{r.query}”.</p>
          <p className="muted">
            Try a part of the address, such as its domain (acme.com); an address that is nobody’s end user is not here: add it in{' '}
            <a href="#/admin">Admin</a>, or ask the <a href="#/troubleshoot">Troubleshooter</a> about one email.
          </p>
        </div>
      ) : null}
      {r && r.accounts.length + r.teammates.length + r.activities.length > 0 ? (
        <div className="grid">
          <section className="card" aria-label="Accounts found">
            <h2>Accounts ({r.accounts.length})</h2>
            <ul>
              {r.accounts.map((a) => (
                <li key={`${a.id}/${a.endUser.id}`}>
                  <a href={`#/accounts/${encodeURIComponent(a.id)}`}>{a.name}</a>: {a.endUser.email}
                  {a.endUser.name ? ` (${a.endUser.name})` : ''}, from {a.endUser.source}
                </li>
              ))}
            </ul>
          </section>
          <section className="card" aria-label="Teammates found">
            <h2>Teammates ({r.teammates.length})</h2>
            <ul>
              {r.teammates.map((t) => (
                <li key={t.id}>
                  {t.name ?? t.email} — {[t.email, ...t.aliases].join(', ')}
                </li>
              ))}
            </ul>
          </section>
          <section className="card" aria-label="Recent activities">
            <h2>Recent activities ({r.activities.length})</h2>
            <ul>
              {r.activities.map((a, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list replaced whole on each response; its items have no id and never move
                <li key={i}>
                  <Time iso={a.at} /> · {a.kind} · {a.subject ?? a.title} ·{' '}
                  <a href={`#/accounts/${encodeURIComponent(a.accountId)}`}>{a.accountId}</a>
                </li>
              ))}
            </ul>
          </section>
        </div>
      ) : null}
    </>
  );
}
