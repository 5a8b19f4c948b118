// Internal domains: a change re-decides the past at once and says how many items it moved.
import { useState } from 'react';
import { api, type ChangeResult, type Workspace } from '../../api.js';
import { Field, useAction } from '../../ui.js';
import type { AdminSync } from './sync.js';

interface DomainChange extends ChangeResult {
  internalDomains: string[];
}

export function InternalDomains({
  workspace,
  onWorkspace,
  changed,
}: { workspace: Workspace; onWorkspace: (w: Workspace) => void } & Pick<AdminSync, 'changed'>) {
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
