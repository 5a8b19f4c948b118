// Every remedy is an action: each RemedyAction the API attaches to a remedy becomes a button
// next to its words, with the result shown in place ("Added …: linked 3 past emails") and,
// for directory changes, an Undo. Destructive and wide ones (delete, blocklist) show what they
// will change first (change-preview.tsx).
import { useState, type FormEvent } from 'react';
import { api, get, type Account, type ChangeResult, type Connection, type RemedyAction } from './api.js';
import { ConfirmChange } from './change-preview.js';
import { changeWords } from './change-words.js';
import { UndoButton } from './undo-button.js';
import { Field, useAction, useLoad } from './ui.js';

const PASSWORD_PROVIDERS = new Set(['imap', 'caldav']);

/** The button's words: what it does, with its parameters. */
export function actionLabel(a: RemedyAction): string {
  switch (a.kind) {
    case 'add_end_user':
      return a.accountId ? `Add ${a.email} to ${a.accountId}` : `Add ${a.email} as an end user`;
    case 'delete_end_user':
      return `${a.suppress ? 'Delete and suppress' : 'Delete'} ${a.email} from ${a.accountId}`;
    case 'blocklist':
      return `Blocklist ${a.entry}`;
    case 'unblock':
      return `Remove ${a.entry} from the blocklist`;
    case 'include_folder':
      return `Include folder ${a.folder}`;
    case 'reauthorize':
      return 'Re-authorize';
    case 'sync_now':
      return 'Sync now';
  }
}

/** Include one folder: the connection's current lists, plus this folder (and no longer excluded). */
async function includeFolder(connectionId: string, folder: string): Promise<string> {
  const c = await get<Connection>(`/v1/connections/${encodeURIComponent(connectionId)}`);
  const include = [...new Set([...(c.folders?.include ?? []), folder])];
  const exclude = (c.folders?.exclude ?? []).filter((f) => f !== folder);
  await api('PATCH', `/v1/connections/${encodeURIComponent(connectionId)}/folders`, { include, exclude });
  return `Included "${folder}": the next sync reads it.`;
}

/** What an action did, for a parent that shows it (the explanation it changed is re-read and re-drawn). */
export interface ActionDone {
  message: string;
  auditId: number | null;
  label: string;
}

/** An action's result where the remedies were, with its Undo. */
export function DoneNote({ done, onUndone }: { done: ActionDone | null; onUndone?: (() => void) | undefined }) {
  if (!done) return null;
  return (
    <div className="done" data-done>
      <p className="ok" role="status">
        {done.message}
      </p>
      {done.auditId !== null ? (
        <UndoButton key={done.auditId} auditId={done.auditId} what={done.label} {...(onUndone ? { onUndone } : {})} />
      ) : null}
    </div>
  );
}

interface Hooks {
  /** Something changed: the caller re-reads what it shows. */
  onChanged?: (() => void) | undefined;
  /** Given, the result goes to the caller (which survives the re-read); else it is shown by the button. */
  onDone?: ((d: ActionDone) => void) | undefined;
}

/** One action: a button, and what it opens (an account to choose, a password, a confirmation). */
export function ActionButton({ a, onChanged, onDone }: { a: RemedyAction } & Hooks) {
  const act = useAction();
  const [open, setOpen] = useState(false);
  const [undo, setUndo] = useState<number | null>(null);
  const [secret, setSecret] = useState('');
  const label = actionLabel(a);
  const done = (r: ChangeResult, what: string) => {
    setOpen(false);
    const message = `${what}: ${changeWords(r)}.${r.warning ? ` ${r.warning}` : ''}`;
    if (onDone) onDone({ message, auditId: r.auditId ?? null, label });
    else setUndo(r.auditId ?? null);
    onChanged?.();
    return onDone ? '' : message;
  };
  const addTo = (accountId: string, email: string) =>
    act.run(async () => {
      const r = await api<ChangeResult>('POST', `/v1/accounts/${encodeURIComponent(accountId)}/end-users`, { email, source: 'manual' });
      return done(r, `Added ${email} to ${accountId}`);
    });
  const press = () => {
    if (a.kind === 'add_end_user' && a.accountId) return void addTo(a.accountId, a.email);
    if (a.kind === 'unblock')
      return void act.run(async () =>
        done(await api<ChangeResult>('DELETE', `/v1/blocklist/${encodeURIComponent(a.entry)}`), `Removed ${a.entry}`),
      );
    if (a.kind === 'include_folder') return void act.run(() => includeFolder(a.connectionId, a.folder));
    if (a.kind === 'sync_now')
      return void act.run(async () => {
        const r = await api<{ status: string }>('POST', `/v1/connections/${encodeURIComponent(a.connectionId)}/sync`);
        return r.status === 'already_queued' ? 'A sync was already waiting; it runs next.' : 'Sync started.';
      });
    if (a.kind === 'reauthorize' && a.provider === 'folder')
      return void act.run(async () => {
        await api('POST', `/v1/connections/${encodeURIComponent(a.connectionId)}/reauthorize`, {});
        return 'Re-authorized: the next sync catches up what arrived meanwhile.';
      });
    if (a.kind === 'reauthorize' && !PASSWORD_PROVIDERS.has(a.provider)) return void location.assign('#/sync');
    setOpen(!open);
  };
  return (
    <div className="action" data-action={a.kind}>
      <button
        type="button"
        className={a.kind === 'delete_end_user' || a.kind === 'blocklist' ? 'danger' : 'secondary'}
        disabled={act.busy}
        aria-expanded={open}
        onClick={press}
      >
        {label}
      </button>
      {open && a.kind === 'add_end_user' ? <ChooseAccount email={a.email} busy={act.busy} onAdd={(id) => void addTo(id, a.email)} /> : null}
      {open && a.kind === 'reauthorize' ? (
        <form
          className="row"
          aria-label={`Re-authorize connection ${a.connectionId}`}
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void act.run(async () => {
              await api('POST', `/v1/connections/${encodeURIComponent(a.connectionId)}/reauthorize`, { secret });
              setOpen(false);
              setSecret('');
              return 'Re-authorized: the server accepted the password; the next sync catches up what arrived meanwhile.';
            });
          }}
        >
          <Field label="New password" hint="Checked against the server before it is saved">
            <input type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} required />
          </Field>
          <button type="submit" disabled={act.busy}>
            Save and resume syncing
          </button>
        </form>
      ) : null}
      {open && a.kind === 'delete_end_user' ? (
        <ConfirmChange
          change={a}
          label={label}
          busy={act.busy}
          onCancel={() => setOpen(false)}
          onConfirm={() =>
            void act.run(async () => {
              const path = `/v1/accounts/${encodeURIComponent(a.accountId)}/end-users/${encodeURIComponent(a.email)}?suppress=${a.suppress}`;
              return done(await api<ChangeResult>('DELETE', path), `Deleted ${a.email}`);
            })
          }
        />
      ) : null}
      {open && a.kind === 'blocklist' ? (
        <ConfirmChange
          change={a}
          label={label}
          busy={act.busy}
          onCancel={() => setOpen(false)}
          onConfirm={(confirm) =>
            void act.run(async () =>
              done(await api<ChangeResult>('POST', '/v1/blocklist', { entry: a.entry, confirm }), `Blocklisted ${a.entry}`),
            )
          }
        />
      ) : null}
      {act.status}
      {undo !== null ? <UndoButton auditId={undo} what={label} {...(onChanged ? { onUndone: onChanged } : {})} /> : null}
    </div>
  );
}

/** add_end_user without an account: the person picks the account it belongs to. */
function ChooseAccount({ email, busy, onAdd }: { email: string; busy: boolean; onAdd: (accountId: string) => void }) {
  const accounts = useLoad(() => get<Account[]>('/v1/accounts'), []);
  const [choice, setChoice] = useState('');
  return (
    <form
      className="row"
      aria-label={`Add ${email} to an account`}
      onSubmit={(e) => {
        e.preventDefault();
        if (choice) onAdd(choice);
      }}
    >
      <Field label={`Account for ${email}`}>
        <select value={choice} onChange={(e) => setChoice(e.target.value)} required>
          <option value="">Choose an account…</option>
          {accounts.data?.map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" disabled={busy || !choice}>
        Add end user
      </button>
    </form>
  );
}

/** A remedy's actions, side by side under its words. */
export function RemedyActions({ actions, onChanged, onDone }: { actions: RemedyAction[] | undefined } & Hooks) {
  if (!actions?.length) return null;
  return (
    <div className="actions">
      {actions.map((a) => (
        <ActionButton key={JSON.stringify(a)} a={a} onChanged={onChanged} onDone={onDone} />
      ))}
    </div>
  );
}
