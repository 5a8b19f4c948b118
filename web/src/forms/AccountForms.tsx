// Add an account, and rename one: on the API's addAccount / editAccount use cases (admin).
import { useState, type FormEvent } from 'react';
import { api, type Account } from '../api.js';
import { Field, useAction } from '../ui.js';

export function AddAccountForm({ onAdded }: { onAdded: (a: Account) => void }) {
  const act = useAction();
  const [f, setF] = useState({ id: '', name: '' });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const a = await api<Account>('POST', '/v1/accounts', { id: f.id, name: f.name });
      setF({ id: '', name: '' });
      onAdded(a);
      return `Added account ${a.name}.`;
    });
  };
  return (
    <form className="card" aria-label="Add an account" onSubmit={submit}>
      <h2>Add an account</h2>
      <div className="row">
        {/* A hint on both fields, so they line up in the row (it aligns them at the bottom). */}
        <Field label="Account name" hint="As your team calls the customer, e.g. Acme Corp">
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required />
        </Field>
        <Field label="Account id" hint="As your CRM names it, e.g. acme; used in imports and links">
          <input value={f.id} onChange={(e) => setF({ ...f, id: e.target.value })} required />
        </Field>
        <button type="submit" disabled={act.busy}>
          Add account
        </button>
      </div>
      {act.status}
    </form>
  );
}

export function EditAccountForm({ account, onSaved }: { account: Account; onSaved: () => void }) {
  const act = useAction();
  const [name, setName] = useState(account.name);
  return (
    <form
      className="row"
      aria-label={`Rename ${account.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          const a = await api<Account>('PATCH', `/v1/accounts/${encodeURIComponent(account.id)}`, { name });
          onSaved();
          return `Renamed to ${a.name}.`;
        });
      }}
    >
      <Field label="Account name">
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      <button type="submit" className="secondary" disabled={act.busy || name.trim() === account.name}>
        Rename
      </button>
      {act.status}
    </form>
  );
}
