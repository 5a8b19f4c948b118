import { useState } from 'react';
import { DoneNote, RemedyActions, type ActionDone } from './actions.js';
import { q, recreatingSource, token, type Explanation } from './api.js';
import { ChecksTable } from './checks.js';
import { readableTimes } from './time-words.js';
import { Time } from './time.js';

const OUTCOME: Record<Explanation['outcome'], string> = {
  linked: 'Logged on a timeline',
  not_linked: 'Not logged',
  upcoming: 'Upcoming — logged once it has happened',
  unknown: 'Never seen by any connection',
};

/**
 * onChanged: the remedies' actions changed something (the caller reloads what it shows).
 * summaryShown: the caller already shows `e.summary` (a find result's card), so it is not said twice.
 */
export function ExplanationView({ e, onChanged, summaryShown }: { e: Explanation; onChanged?: () => void; summaryShown?: boolean }) {
  const summary = summaryShown ? undefined : e.summary;
  const [done, setDone] = useState<ActionDone | null>(null);
  return (
    <div className="explanation">
      <p>
        <strong>
          {e.kind === 'email' ? 'Email' : 'Meeting'} {e.ref}
        </strong>
        : {OUTCOME[e.outcome]}
        {e.occurrence ? (
          <>
            {' '}
            (occurrence <Time iso={e.occurrence} />)
          </>
        ) : null}
      </p>
      {e.waiting && summary ? <p data-waiting>{readableTimes(summary)}</p> : null}
      {!e.waiting && !e.purged && summary ? <p data-unreadable>{summary}</p> : null}
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
      <ChecksTable checks={e.checks} />
      {e.hints.length ? (
        <>
          <h3>Near misses</h3>
          <ul>
            {e.hints.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list replaced whole on each response; its items have no id and never move
              <li key={i}>{readableTimes(h.detail)}</li>
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
              <li key={i}>
                {readableTimes(r)}
                <RemedyActions actions={e.remedyActions?.[i]} onChanged={onChanged} onDone={onChanged ? setDone : undefined} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <DoneNote done={done} onUndone={onChanged} />
      {e.searched?.length ? (
        <details>
          <summary>Connections searched ({e.searched.length})</summary>
          <ul>
            {e.searched.map((s) => (
              <li key={s.id}>
                {s.teammate} ({s.provider}, {s.status}), authorized since <Time iso={s.authorizedAt} />, last sync{' '}
                <Time iso={s.lastSyncAt} />
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

/** "Why is this here?": the explanation, its remedies as buttons (admin tokens), and where a source recreates what is deleted. */
export function WhyPanel({ e, onChanged }: { e: Explanation; onChanged: () => void }) {
  const vias = e.accounts.flatMap((a) => a.via.map((v) => ({ ...v, accountId: a.id })));
  return (
    <section className="why" aria-label="Why is this here?">
      <ExplanationView e={e} onChanged={onChanged} />
      {vias.map((v) => {
        const re = recreatingSource(v.source);
        return re ? (
          <p key={`${v.accountId}/${v.email}`} className="muted">
            {v.email} in {v.accountId} came from {re}: deleted here alone, it will be recreated by {re} at its next import; use “Delete and
            suppress”, or remove it at the source.
          </p>
        ) : null;
      })}
    </section>
  );
}
