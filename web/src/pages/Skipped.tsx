// A connection's skip counts ("2 no end user on it"), each a button that opens the list of
// those items with why each was not logged (GET /v1/connections/{id}/skipped).
import { useState } from 'react';
import { get, q, type Counts } from '../api.js';
import { Time } from '../time.js';
import { ErrorNote, useLoad } from '../ui.js';

const SKIP_WORDS: Record<string, string> = {
  E1_NOT_SEEN: 'not seen by an authorized inbox',
  E2_HISTORIC: 'historic (before authorization)',
  E3_NO_END_USER: 'no end user on it',
  E4_ALL_BLOCKLISTED: 'blocklisted',
  E6_INTERNAL_ONLY: 'internal only',
  M2_HISTORIC: 'historic (before authorization)',
  M3_CANCELLED: 'cancelled',
  M4_CUSTOMER_ORGANIZES: 'organized by a customer',
  M4_OTHER_TEAMMATE_ORGANIZES: 'organized by another teammate',
  M5_NO_END_USER: 'no end user invited',
  M5_NOT_ACCEPTED: 'no end user accepted',
  M6_ALL_BLOCKLISTED: 'blocklisted',
  NO_ACCOUNT: 'no account',
};
const skipWords = (code: string) =>
  SKIP_WORDS[code] ??
  code
    .replace(/^[EM]\d_/, '')
    .replace(/_/g, ' ')
    .toLowerCase();

interface SkippedItem {
  kind: 'email' | 'meeting';
  id: string;
  ref: string | null;
  at: string;
  title: string | null;
  folder: string | null;
  code: string;
  why: string;
}

function SkippedList({ connectionId, kind, code }: { connectionId: string; kind: 'email' | 'meeting'; code: string }) {
  const list = useLoad(
    () => get<{ items: SkippedItem[]; total: number }>(`/v1/connections/${connectionId}/skipped?${q({ kind, reason: code })}`),
    [connectionId, kind, code],
  );
  const d = list.data;
  return (
    <div className="card">
      <ErrorNote error={list.error} />
      {d ? (
        <>
          <p>
            <strong>{d.items[0]?.why ?? skipWords(code)}</strong>
            {d.total > d.items.length ? ` (the newest ${d.items.length} of ${d.total})` : ''}
          </p>
          <ul aria-label={`Skipped: ${skipWords(code)}`}>
            {d.items.map((it) => (
              <li key={it.id}>
                <Time iso={it.at} /> · {it.title ?? (it.kind === 'email' ? 'email' : 'meeting')}
                {it.folder ? ` in ${it.folder}` : ''}
                {it.ref ? (
                  <>
                    {' '}
                    · <code>{it.ref}</code>
                  </>
                ) : null}
                {it.why !== d.items[0]?.why ? <div className="muted">{it.why}</div> : null}
              </li>
            ))}
          </ul>
          <p className="muted">
            To look into one, paste its {kind === 'email' ? 'Message-ID' : 'UID'} into the <a href="#/troubleshoot">Troubleshooter</a>.
          </p>
        </>
      ) : (
        <p>Loading…</p>
      )}
    </div>
  );
}

/** "Email: 12 seen, 8 linked, skipped: [3 no end user on it] [1 historic]"; each count opens its list. */
export function CountLine({ label, c, connectionId, kind }: { label: string; c: Counts; connectionId: string; kind: 'email' | 'meeting' }) {
  const [open, setOpen] = useState<string | null>(null);
  const skipped = Object.entries(c.skipped);
  return (
    <div>
      <p>
        <strong>{label}:</strong> {c.seen} seen, {c.linked} linked{c.upcoming ? `, ${c.upcoming} upcoming` : ''}
        {skipped.length ? ', skipped: ' : ', none skipped'}
        {skipped.map(([code, n], i) => (
          <span key={code}>
            {i ? ', ' : ''}
            <button type="button" className="count" aria-expanded={open === code} onClick={() => setOpen(open === code ? null : code)}>
              {n} {skipWords(code)}
            </button>
          </span>
        ))}
      </p>
      {open ? <SkippedList connectionId={connectionId} kind={kind} code={open} /> : null}
    </div>
  );
}
