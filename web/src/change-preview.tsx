// Safe by design: a destructive or wide action first shows what it will change, computed by
// the server without writing (POST /v1/preview), and a customer's own domain must be typed
// before it can be blocklisted (the API refuses it without `confirm` too).
import { useState } from 'react';
import { api, type ChangePreview } from './api.js';
import { ErrorNote, Field, useLoad } from './ui.js';

export type PreviewedChange =
  | { kind: 'blocklist'; entry: string }
  | { kind: 'delete_end_user'; accountId: string; email: string; suppress: boolean }
  | { kind: 'disconnect'; connectionId: string };

const usePreview = (change: PreviewedChange) => useLoad(() => api<ChangePreview>('POST', '/v1/preview', change), [JSON.stringify(change)]);

/** The preview's sentence alone (e.g. inside an existing confirmation). */
export function PreviewSummary({ change }: { change: PreviewedChange }) {
  const p = usePreview(change);
  if (p.error) return <ErrorNote error={p.error} />;
  return <p data-preview>{p.data ? p.data.summary : 'Counting what this changes…'}</p>;
}

/**
 * "What this will change" with Confirm and Cancel. onConfirm gets the typed confirmation
 * (the domain, when one must be typed; else undefined).
 */
export function ConfirmChange({
  change,
  label,
  busy,
  onConfirm,
  onCancel,
}: {
  change: PreviewedChange;
  label: string;
  busy: boolean;
  onConfirm: (confirm: string | undefined) => void;
  onCancel: () => void;
}) {
  const p = usePreview(change);
  const [typed, setTyped] = useState('');
  const must = p.data?.confirm;
  const ready = !!p.data && (!must || typed.trim().toLowerCase() === must);
  return (
    <div className="warning" role="alertdialog" aria-label={`Confirm: ${label}`}>
      <ErrorNote error={p.error} />
      <p data-preview>{p.data ? p.data.summary : 'Counting what this changes…'}</p>
      {must ? (
        <Field label={`Type ${must} to confirm`} hint="It is the domain of your customers' end users: their mail stops being logged">
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
        </Field>
      ) : null}
      <div className="actions">
        <button type="button" className="danger" disabled={!ready || busy} onClick={() => onConfirm(must ? typed.trim() : undefined)}>
          {label}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
