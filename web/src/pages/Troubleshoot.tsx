import { useState, type FormEvent } from 'react';
import { get, q, type Explanation } from '../api.js';
import { downloadSupportBundle, ExplanationView } from '../explain.js';
import { FindForm } from '../find.js';
import { Field, useAction } from '../ui.js';

type Target = { messageId: string } | { uid: string; occurrence?: string };

export function TroubleshootPage() {
  const act = useAction();
  const [result, setResult] = useState<{ e: Explanation; target: Target } | null>(null);
  // Find by what the CSM remembers is the default; Message-ID / UID are the advanced way.
  const [mode, setMode] = useState<'findEmail' | 'findMeeting' | 'messageId' | 'uid'>('findEmail');
  const [f, setF] = useState({ messageId: '', uid: '', occurrence: '' });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });

  const explain = async (target: Target) => {
    const e =
      'messageId' in target
        ? await get<Explanation>(`/v1/explain/email?${q({ messageId: target.messageId })}`)
        : await get<Explanation>(`/v1/explain/meeting?${q({ uid: target.uid, occurrence: target.occurrence })}`);
    setResult({ e, target });
  };
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    void act.run(async () => {
      setResult(null);
      if (mode === 'messageId') return explain({ messageId: f.messageId });
      return explain({ uid: f.uid, ...(f.occurrence ? { occurrence: new Date(f.occurrence).toISOString() } : {}) });
    });
  };
  return (
    <>
      <h1>Troubleshooter — why didn't my email or meeting sync?</h1>
      <fieldset className="row card">
        <legend>Find by</legend>
        {(
          [
            ['findEmail', 'Email: sender, recipient, subject, day'],
            ['findMeeting', 'Meeting: title, attendee, day'],
            ['messageId', 'Message-ID (advanced)'],
            ['uid', 'Meeting UID (advanced)'],
          ] as const
        ).map(([m, label]) => (
          <label key={m}>
            <input type="radio" name="mode" checked={mode === m} onChange={() => setMode(m)} /> {label}
          </label>
        ))}
      </fieldset>
      {mode === 'findEmail' ? <FindForm key="email" kind="email" /> : null}
      {mode === 'findMeeting' ? <FindForm key="meeting" kind="meeting" /> : null}
      {mode === 'messageId' || mode === 'uid' ? (
        <form className="card" onSubmit={submit} aria-label="Explain by identifier">
          {mode === 'messageId' ? (
            <Field label="Message-ID" hint="From the mail's headers, with or without < >">
              <input value={f.messageId} onChange={set('messageId')} required />
            </Field>
          ) : null}
          {mode === 'uid' ? (
            <div className="row">
              <Field label="Meeting UID">
                <input value={f.uid} onChange={set('uid')} required />
              </Field>
              <Field label="Occurrence start (recurring meetings)">
                <input type="datetime-local" value={f.occurrence} onChange={set('occurrence')} />
              </Field>
            </div>
          ) : null}
          <div className="actions">
            <button type="submit" disabled={act.busy}>
              Explain
            </button>
          </div>
          {act.status}
        </form>
      ) : null}
      {result && (mode === 'messageId' || mode === 'uid') ? (
        <section className="card" aria-labelledby="explanation-h">
          <h2 id="explanation-h">Explanation</h2>
          <ExplanationView e={result.e} onChanged={() => void explain(result.target)} />
          <div className="actions">
            <button
              type="button"
              className="secondary"
              onClick={() =>
                void act.run(async () => {
                  await downloadSupportBundle(result.target);
                  return 'Support bundle downloaded.';
                })
              }
            >
              Download support bundle
            </button>
          </div>
        </section>
      ) : null}
    </>
  );
}
