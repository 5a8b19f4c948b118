// The Troubleshooter's default form: "Where is my email?" by what a CSM remembers (sender,
// recipient, subject words, a day; for meetings title words, an attendee, a day), answered
// by GET /v1/find/* with one card per candidate: outcome, where it is, the failing check and
// what to do. Each card opens to the full explanation.
import { useState, type FormEvent } from 'react';
import { get, q, type FindCandidate, type FindResult } from './api.js';
import { RemedyActions } from './actions.js';
import { checkFinding } from './checks.js';
import { ExplanationView } from './explain.js';
import { readableTimes } from './time-words.js';
import { Time } from './time.js';
import { Field, useAction } from './ui.js';

const OUTCOME: Record<FindCandidate['outcome'], string> = {
  linked: 'Logged',
  not_linked: 'Not logged',
  upcoming: 'Upcoming',
  unknown: 'Never seen',
};

const whereWords = (c: FindCandidate) =>
  c.where.length
    ? c.where
        .map((w) => [w.teammate ?? w.connection, w.labels?.length ? w.labels.join(', ') : w.folder].filter(Boolean).join(' · '))
        .join('; ')
    : 'no longer in any connected mailbox';

function CandidateCard({ c }: { c: FindCandidate }) {
  const failed = c.checks.filter((x) => x.status === 'fail');
  const id = c.messageId ?? c.uid ?? c.ref;
  return (
    <article className="card" aria-label={`Candidate ${id}`}>
      <p>
        <strong>
          <Time iso={c.date} />
        </strong>{' '}
        — <span className={c.outcome === 'linked' ? 'pass' : 'fail'}>{OUTCOME[c.outcome]}</span> — {whereWords(c)}
        {c.subject ? ` — “${c.subject}”` : ''}
        {c.live ? ' (found at the provider just now)' : ''}
      </p>
      {c.summary ? <p>{readableTimes(c.summary)}</p> : null}
      {failed.length ? (
        <ul aria-label="Why not logged">
          {failed.map((x) => (
            <li key={x.code}>
              {checkFinding(x)} <small className="rule-id">{x.rule}</small>
            </li>
          ))}
        </ul>
      ) : null}
      {c.hints.length ? (
        <ul aria-label="Near misses">
          {c.hints.map((h) => (
            <li key={`${h.kind}|${h.participant}|${h.endUserEmail}`}>{readableTimes(h.detail)}</li>
          ))}
        </ul>
      ) : null}
      {c.outcome !== 'linked' && c.remedies.some((r) => r !== '') ? (
        <ul aria-label="What you can do">
          {c.remedies.map((r, i) =>
            r === '' ? null : (
              <li key={r}>
                {readableTimes(r)}
                <RemedyActions actions={c.remedyActions?.[i]} />
              </li>
            ),
          )}
        </ul>
      ) : null}
      {c.subjectNotKept ? <p className="muted">Not logged, so its subject was not kept: it matches the address and day only.</p> : null}
      <details>
        <summary>Every check</summary>
        <ExplanationView e={c} summaryShown />
        <p className="muted">{c.messageId ? `Message-ID: ${c.messageId}` : c.uid ? `UID: ${c.uid}` : ''}</p>
      </details>
    </article>
  );
}

export function FindForm({ kind }: { kind: 'email' | 'meeting' }) {
  const act = useAction();
  const [result, setResult] = useState<FindResult | null>(null);
  const [askedMailboxes, setAskedMailboxes] = useState(false);
  const [f, setF] = useState({ from: '', to: '', subject: '', title: '', attendee: '', on: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const where = kind === 'email' ? 'mailboxes' : 'calendars';
  /** askMailboxes: "Not the one?" searches the connected mailboxes / calendars too. */
  const search = (askMailboxes: boolean) =>
    act.run(async () => {
      setResult(null);
      const params = {
        ...(kind === 'email'
          ? { from: f.from, to: f.to, subject: f.subject, on: f.on }
          : { title: f.title, attendee: f.attendee, on: f.on }),
        ...(askMailboxes ? { askMailboxes: 'true' } : {}),
      };
      const r = await get<FindResult>(`/v1/find/${kind}?${q(params)}`);
      setResult(r);
      setAskedMailboxes(askMailboxes);
      if (r.candidates.length === 0)
        return `Nothing ${kind === 'email' ? 'sent or received' : 'scheduled'} like that in what Touchpoint has seen.`;
      return `${r.candidates.length} found${r.truncated ? ' (more matched: add a day)' : ''}${askMailboxes ? ` (the ${where} were asked too)` : ''}.`;
    });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    void search(false);
  };
  return (
    <>
      <form className="card" onSubmit={submit} aria-label={kind === 'email' ? 'Find an email' : 'Find a meeting'}>
        {kind === 'email' ? (
          <div className="row">
            <Field label="Sender" hint="The whole address">
              <input type="email" value={f.from} onChange={set('from')} />
            </Field>
            <Field label="Recipient">
              <input type="email" value={f.to} onChange={set('to')} />
            </Field>
            <Field label="Subject words">
              <input value={f.subject} onChange={set('subject')} />
            </Field>
            <Field label="Day">
              <input type="date" value={f.on} onChange={set('on')} />
            </Field>
          </div>
        ) : (
          <div className="row">
            <Field label="Title words">
              <input value={f.title} onChange={set('title')} />
            </Field>
            <Field label="Attendee">
              <input type="email" value={f.attendee} onChange={set('attendee')} />
            </Field>
            <Field label="Day">
              <input type="date" value={f.on} onChange={set('on')} />
            </Field>
          </div>
        )}
        <div className="actions">
          <button type="submit" disabled={act.busy}>
            Find
          </button>
        </div>
        {act.status}
      </form>
      {result?.candidates.length ? (
        <section aria-labelledby="found-h">
          <h2 id="found-h">Found ({result.candidates.length})</h2>
          {result.candidates.map((c) => (
            <CandidateCard key={`${c.messageId ?? c.uid ?? c.ref}|${c.date}`} c={c} />
          ))}
          {askedMailboxes ? null : (
            <p>
              Not the one you mean?{' '}
              <button type="button" className="secondary" disabled={act.busy} onClick={() => void search(true)}>
                Search the connected {where} too
              </button>
            </p>
          )}
        </section>
      ) : null}
    </>
  );
}
