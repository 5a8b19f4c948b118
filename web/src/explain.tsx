import { useState } from 'react';
import { api, q, recreatingSource, token, when, type ChangeResult, type Explanation } from './api.js';
import { useAction } from './ui.js';

const OUTCOME: Record<Explanation['outcome'], string> = {
  linked: 'Logged on a timeline',
  not_linked: 'Not logged',
  upcoming: 'Upcoming — logged once it has happened',
  unknown: 'Never seen by any connection',
};
const STATUS = { pass: ['Passed', 'pass'], fail: ['Failed', 'fail'], 'n/a': ['Not applicable', 'na'] } as const;

export function ExplanationView({ e }: { e: Explanation }) {
  return (
    <div className="explanation">
      <p>
        <strong>
          {e.kind === 'email' ? 'Email' : 'Meeting'} {e.ref}
        </strong>
        : {OUTCOME[e.outcome]}
        {e.occurrence ? ` (occurrence ${when(e.occurrence)})` : ''}
      </p>
      {e.accounts.length ? (
        <ul>
          {e.accounts.map((a) => (
            <li key={a.id}>
              Account <a href={`#/accounts/${encodeURIComponent(a.id)}`}>{a.id}</a>:{' '}
              {a.via
                .map(
                  (v) =>
                    `${v.email} (${v.field}${v.partstat ? `, ${v.partstat}` : ''}) matched end user from ${v.source}${v.externalId ? ` #${v.externalId}` : ''}`,
                )
                .join('; ')}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="table-wrap">
        <table aria-label="Checks">
          <thead>
            <tr>
              <th>Check</th>
              <th>Result</th>
              <th>Data</th>
            </tr>
          </thead>
          <tbody>
            {e.checks.map((c, i) => {
              const [word, cls] = STATUS[c.status];
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list replaced whole on each response; its items have no id and never move
                <tr key={i} data-status={c.status}>
                  <td>{c.rule}</td>
                  <td className={cls}>{word}</td>
                  <td>{c.detail || c.code}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {e.hints.length ? (
        <>
          <h3>Near misses</h3>
          <ul>
            {e.hints.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list replaced whole on each response; its items have no id and never move
              <li key={i}>{h.detail}</li>
            ))}
          </ul>
        </>
      ) : null}
      {e.remedies.length ? (
        <>
          <h3>Remedies</h3>
          <ul aria-label="Remedies">
            {e.remedies.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list replaced whole on each response; its items have no id and never move
              <li key={i}>{r}</li>
            ))}
          </ul>
        </>
      ) : null}
      {e.searched?.length ? (
        <details>
          <summary>Connections searched ({e.searched.length})</summary>
          <ul>
            {e.searched.map((s) => (
              <li key={s.id}>
                {s.teammate} ({s.provider}, {s.status}), authorized since {when(s.authorizedAt)}, last sync {when(s.lastSyncAt)}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

export async function downloadSupportBundle(params: { messageId?: string; uid?: string; occurrence?: string }): Promise<void> {
  const res = await fetch(`/v1/support-bundle?${q(params)}`, { headers: { authorization: `Bearer ${token.get() ?? ''}` } });
  if (!res.ok) throw new Error(((await res.json()) as { message: string }).message);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'touchpoint-support.json';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** "Why is this here?": the explanation plus its remedies as buttons (admin tokens). */
export function WhyPanel({ e, onChanged }: { e: Explanation; onChanged: () => void }) {
  const act = useAction();
  const [warning, setWarning] = useState<string | null>(null);
  const vias = e.accounts.flatMap((a) => a.via.map((v) => ({ ...v, accountId: a.id })));
  const del = (accountId: string, email: string, source: string, suppress: boolean) => {
    const re = recreatingSource(source);
    const text =
      `${suppress ? 'Delete and suppress' : 'Delete'} end user ${email} in ` +
      `${accountId}?${re && !suppress ? ` It came from ${re}: it will be recreated by ${re} at its next import.` : ''}`;
    if (!confirm(text)) return;
    void act.run(async () => {
      const r = await api<ChangeResult>(
        'DELETE',
        `/v1/accounts/${encodeURIComponent(accountId)}/end-users/${encodeURIComponent(email)}?suppress=${suppress}`,
      );
      setWarning(r.warning ?? null);
      onChanged();
      return `Deleted ${email}: ${r.unlinked.length} item(s) unlinked.`;
    });
  };
  return (
    <section className="why" aria-label="Why is this here?">
      <ExplanationView e={e} />
      {vias.length ? <h3>Act on it</h3> : null}
      {vias.map((v) => {
        const domain = v.email.split('@')[1] ?? '';
        const re = recreatingSource(v.source);
        return (
          <div key={`${v.accountId}/${v.email}`} className="actions">
            <span>
              {v.email} in {v.accountId} (source {v.source}):
            </span>
            <button type="button" className="danger" onClick={() => del(v.accountId, v.email, v.source, false)}>
              Delete
            </button>
            <button type="button" className="danger" onClick={() => del(v.accountId, v.email, v.source, true)}>
              Delete and suppress
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                if (!confirm(`Blocklist ${domain}? Its addresses never cause a link again.`)) return;
                void act.run(async () => {
                  const r = await api<ChangeResult>('POST', '/v1/blocklist', { entry: domain });
                  onChanged();
                  return `Blocklisted ${domain}: ${r.unlinked.length} item(s) unlinked.`;
                });
              }}
            >
              Blocklist {domain}
            </button>
            {re ? (
              <span className="muted">
                or remove it at the source ({re}): deleting here alone, it will be recreated by {re}.
              </span>
            ) : null}
          </div>
        );
      })}
      {warning ? (
        <p className="warning" role="alert">
          {warning}
        </p>
      ) : null}
      {act.status}
    </section>
  );
}
