// Directory sources (HubSpot, Salesforce, Zendesk) on the Sync page: one small card each with
// its health — last and next sync, records added / updated / removed / skipped, the problem in
// plain words — "Sync now" and "Disconnect" (keeping or removing its end users); and the form
// that connects one.
import { useState } from 'react';
import { api, get } from '../api.js';
import { leftoverWords } from '../change-words.js';
import { SourceConnectForm } from './SourceConnectForm.js';
import { Time } from '../time.js';
import { ErrorNote, useAction, useLoad } from '../ui.js';

interface Source {
  id: string;
  source: string;
  status: string;
  problem: string | null;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  nextSyncAt: string | null;
  counts: { added: number; updated: number; removed: number; skipped: number } | null;
  skipped: { externalId: string; email?: string; reason?: string }[];
  mapping: { emailFields: string[] | null; accounts: string; companyDeleted: string };
}

const ACCOUNTS: Record<string, string> = {
  'source-id': 'each company its own account',
  domain: 'companies onto the account named after their domain',
  'external-id': 'companies onto the account with their id',
};

/** The mapping in one line: which fields make end users, where companies go, what a deletion does. */
function mappingWords(m: Source['mapping']): string {
  const fields = m.emailFields ? m.emailFields.join(', ') : 'the primary email';
  const deleted = m.companyDeleted === 'remove-account' ? 'a deleted company removes its end users' : 'a deleted company keeps its account';
  return `Mapping: ${fields}; ${ACCOUNTS[m.accounts] ?? m.accounts}; ${deleted}`;
}

const STATUS: Record<string, string> = {
  active: 'Syncing on schedule',
  throttled: 'Waiting: the provider asked us to slow down',
  error: 'The last sync failed — it is retried automatically',
  needs_reauth: 'Needs re-authorization — nothing syncs and the directory is left as it is until an admin connects it again',
};

function SourceCard({ s, onChange }: { s: Source; onChange: () => void }) {
  const act = useAction();
  const [leaving, setLeaving] = useState(false);
  const disconnect = (users: 'keep' | 'remove') =>
    void act.run(async () => {
      const r = await api<{ unavailable?: number; deferred?: number }>('DELETE', `/v1/sources/${encodeURIComponent(s.id)}?users=${users}`);
      onChange();
      if (users === 'keep') return `Disconnected ${s.source}; its end users stay.`;
      const left = leftoverWords(r);
      return `Disconnected ${s.source} and removed its end users${left.length ? `; ${left.join('; ')}` : ''}.`;
    });
  const c = s.counts;
  return (
    <section className="card" aria-label={`Directory source ${s.source}`}>
      <h3>{s.source}</h3>
      <p>
        <strong>{STATUS[s.status] ?? s.status}</strong>
      </p>
      {s.problem ? <p className="error">{s.problem}</p> : null}
      <p>
        Last sync <Time iso={s.lastSyncAt} /> · next <Time iso={s.nextSyncAt} />
      </p>
      <p className="muted">{mappingWords(s.mapping)}</p>
      {c ? (
        <p>
          Last sync: {c.added} added, {c.updated} updated, {c.removed} removed, {c.skipped} skipped
        </p>
      ) : null}
      {s.skipped.length ? (
        <ul>
          {s.skipped.slice(0, 5).map((k) => (
            <li key={`${k.externalId}-${k.email ?? ''}`}>
              {k.email ?? k.externalId}: {k.reason}
            </li>
          ))}
        </ul>
      ) : null}
      {s.status !== 'needs_reauth' ? (
        <button
          type="button"
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              await api('POST', `/v1/sources/${encodeURIComponent(s.id)}/sync`);
              onChange();
              return 'Sync started.';
            })
          }
        >
          Sync now
        </button>
      ) : null}{' '}
      <button type="button" className="danger" onClick={() => setLeaving(true)}>
        Disconnect
      </button>
      {leaving ? (
        <div className="warning" role="alertdialog" aria-label={`Disconnect ${s.source}`}>
          <p>
            Disconnect {s.source}? Its token is deleted and it stops syncing. Its end users can stay (they no longer follow the source) or
            be removed — removing them unlinks their past mail and meetings.
          </p>
          <div className="actions">
            <button type="button" className="danger" disabled={act.busy} onClick={() => disconnect('keep')}>
              Disconnect, keep end users
            </button>
            <button type="button" className="danger" disabled={act.busy} onClick={() => disconnect('remove')}>
              Disconnect and remove end users
            </button>
            <button type="button" className="secondary" onClick={() => setLeaving(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {act.status}
    </section>
  );
}

export function DirectorySources() {
  const sources = useLoad(() => get<Source[]>('/v1/sources'), [], 5000);
  return (
    <>
      <h2>Directory sources</h2>
      <p className="muted">End users and accounts synced from your CRM or support desk (docs/sources.md).</p>
      <ErrorNote error={sources.error} />
      {sources.data?.map((s) => (
        <SourceCard key={s.id} s={s} onChange={() => void sources.reload()} />
      ))}
      <SourceConnectForm onConnected={() => void sources.reload()} />
    </>
  );
}
