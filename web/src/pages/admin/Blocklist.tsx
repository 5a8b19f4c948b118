// The blocklist: addresses and domains whose mail never causes a link.
import { useState } from 'react';
import { api, get, type ChangeResult } from '../../api.js';
import { ConfirmChange } from '../../change-preview.js';
import { Field, useAction, useLoad } from '../../ui.js';
import type { AdminSync } from './sync.js';

export function Blocklist({ changed }: Pick<AdminSync, 'changed'>) {
  const list = useLoad(() => get<{ entry: string; kind: string }[]>('/v1/blocklist'), []);
  const act = useAction();
  const [entry, setEntry] = useState('');
  // A domain or address is blocklisted only after its preview: what it stops logging, and the domain typed for a customer's.
  const [pending, setPending] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="bl-h">
      <h2 id="bl-h">Blocklist</h2>
      {list.data?.length === 0 ? <p className="muted">Nothing blocklisted: mail from any end user can be logged.</p> : null}
      <ul aria-label="Blocklist">
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
          setPending(entry.trim());
        }}
      >
        <Field label="Domain or address to blocklist">
          <input value={entry} onChange={(e) => setEntry(e.target.value)} required />
        </Field>
        <button type="submit" disabled={act.busy}>
          Add
        </button>
      </form>
      {pending ? (
        <ConfirmChange
          key={pending}
          change={{ kind: 'blocklist', entry: pending }}
          label={`Blocklist ${pending}`}
          busy={act.busy}
          onCancel={() => setPending(null)}
          onConfirm={(confirm) =>
            void act.run(async () => {
              const r = await api<ChangeResult>('POST', '/v1/blocklist', { entry: pending, confirm });
              setEntry('');
              setPending(null);
              void list.reload();
              changed();
              return `Blocklisted: ${r.unlinked.length} item(s) unlinked.`;
            })
          }
        />
      ) : null}
      {act.status}
    </section>
  );
}
