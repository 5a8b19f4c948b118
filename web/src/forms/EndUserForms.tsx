// An account's end users, each editable, and a form to add one: on the API's addEndUser /
// editEndUser use cases (admin). Each answer says what it re-decided ("linked 3 past emails"),
// and an add can be undone at once.
import { useState, type FormEvent } from 'react';
import { api, get, type ChangeResult, type EndUser } from '../api.js';
import { changeWords } from '../change-words.js';
import { UndoButton } from '../undo-button.js';
import { ErrorNote, Field, useAction, useLoad } from '../ui.js';

interface UserFields {
  email: string;
  name: string;
  externalId: string;
}

function UserForm({
  label,
  initial,
  submitLabel,
  onSubmit,
  busy,
}: {
  label: string;
  initial: UserFields;
  submitLabel: string;
  onSubmit: (f: UserFields) => void;
  busy: boolean;
}) {
  const [f, setF] = useState(initial);
  const set = (k: keyof UserFields) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  return (
    <form
      className="row"
      aria-label={label}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit(f);
      }}
    >
      <Field label="Email" hint="Exactly the address their mail uses: only the same address matches">
        <input type="email" value={f.email} onChange={set('email')} required />
      </Field>
      {/* Every field has a hint, so the three line up in the row (it aligns them at the bottom). */}
      <Field label="Name" hint="Optional: shown beside their address">
        <input value={f.name} onChange={set('name')} />
      </Field>
      <Field label="External id" hint="The id at its source (CRM), if any">
        <input value={f.externalId} onChange={set('externalId')} />
      </Field>
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

function EndUserRow({ u, onChanged }: { u: EndUser; onChanged: () => void }) {
  const act = useAction();
  const [editing, setEditing] = useState(false);
  return (
    <li>
      <strong>{u.email}</strong>
      {u.name ? ` — ${u.name}` : ''} <span className="muted">({u.source})</span>{' '}
      <button
        type="button"
        className="secondary"
        aria-expanded={editing}
        aria-label={`Edit ${u.email}`}
        onClick={() => setEditing(!editing)}
      >
        Edit
      </button>
      {editing ? (
        <UserForm
          label={`Edit ${u.email}`}
          initial={{ email: u.email, name: u.name ?? '', externalId: u.externalId ?? '' }}
          submitLabel="Save"
          busy={act.busy}
          onSubmit={(f) =>
            void act.run(async () => {
              const path = `/v1/accounts/${encodeURIComponent(u.accountId)}/end-users/${encodeURIComponent(u.email)}`;
              const r = await api<ChangeResult>('PATCH', path, { email: f.email, name: f.name || null, externalId: f.externalId || null });
              setEditing(false);
              onChanged();
              return `Saved ${f.email}: ${changeWords(r)}.`;
            })
          }
        />
      ) : null}
      {act.status}
    </li>
  );
}

/** The account's end users with Edit, and Add an end user. */
export function EndUsersPanel({ accountId, onChanged }: { accountId: string; onChanged: () => void }) {
  const users = useLoad(() => get<EndUser[]>(`/v1/accounts/${encodeURIComponent(accountId)}/end-users`), [accountId]);
  const act = useAction();
  const [undo, setUndo] = useState<{ id: number; email: string } | null>(null);
  const changed = () => {
    void users.reload();
    onChanged();
  };
  return (
    <section className="card" aria-label="End users">
      <h2>End users</h2>
      <ErrorNote error={users.error} />
      {users.data?.length === 0 ? <p>No end user yet: add the people of this customer, with the exact address their mail uses.</p> : null}
      <ul aria-label="End users of this account">
        {users.data?.map((u) => (
          <EndUserRow key={u.id} u={u} onChanged={changed} />
        ))}
      </ul>
      <h3>Add an end user</h3>
      {/* A fresh (empty) form after each add. Its key must differ from the Undo button's beside it:
          siblings with the same key made React keep the old form too (three forms after two adds). */}
      <UserForm
        key={`add-${undo?.id ?? 0}`}
        label="Add an end user"
        initial={{ email: '', name: '', externalId: '' }}
        submitLabel="Add end user"
        busy={act.busy}
        onSubmit={(f) =>
          void act.run(async () => {
            const body = {
              email: f.email,
              source: 'manual',
              ...(f.name ? { name: f.name } : {}),
              ...(f.externalId ? { externalId: f.externalId } : {}),
            };
            const r = await api<ChangeResult>('POST', `/v1/accounts/${encodeURIComponent(accountId)}/end-users`, body);
            setUndo(r.auditId ? { id: r.auditId, email: f.email } : null);
            changed();
            return `Added ${f.email}: ${changeWords(r)}.`;
          })
        }
      />
      {act.status}
      {undo ? <UndoButton key={`undo-${undo.id}`} auditId={undo.id} what={`adding ${undo.email}`} onUndone={changed} /> : null}
    </section>
  );
}
