import { useState, type FormEvent } from 'react';
import { get, q, type Explanation, type SearchResult } from '../api.js';
import { downloadSupportBundle, ExplanationView } from '../explain.js';
import { Field, useAction } from '../ui.js';

type Target = { messageId: string } | { uid: string; occurrence?: string };
const sameDay = (iso: string, day: string) => iso.slice(0, 10) === day;

export function TroubleshootPage() {
  const act = useAction();
  const [result, setResult] = useState<{ e: Explanation; target: Target } | null>(null);
  const [mode, setMode] = useState<'messageId' | 'sender' | 'uid' | 'title'>('messageId');
  const [f, setF] = useState({ messageId: '', sender: '', subject: '', date: '', uid: '', occurrence: '', attendee: '', title: '' });
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
      if (mode === 'uid') return explain({ uid: f.uid, ...(f.occurrence ? { occurrence: new Date(f.occurrence).toISOString() } : {}) });
      // By sender + subject + date, or attendee + title + date: logged items keep their subject
      // and title; mail that was not logged keeps only its Message-ID (privacy), so ask for it.
      const r = await get<SearchResult>(`/v1/search?${q({ q: mode === 'sender' ? f.sender : f.attendee })}`);
      const hit = r.activities.find(
        (a) =>
          (mode === 'sender'
            ? a.kind === 'email' && (a.subject ?? '').toLowerCase().includes(f.subject.toLowerCase())
            : a.kind === 'meeting' && (a.title ?? '').toLowerCase().includes(f.title.toLowerCase())) &&
          (!f.date || sameDay(a.at, f.date)),
      );
      if (!hit)
        throw new Error(
          `Nothing logged matches. Items that were not logged keep no ${mode === 'sender' ? 'subject' : 'title'}: ask for the ` +
            `${mode === 'sender' ? 'Message-ID (in the mail headers)' : "meeting's UID (in its .ics)"} and search by it.`,
        );
      return explain(
        hit.kind === 'email'
          ? { messageId: hit.messageId ?? '' }
          : { uid: hit.uid ?? '', ...(hit.occurrence ? { occurrence: hit.occurrence } : {}) },
      );
    });
  };
  return (
    <>
      <h1>Troubleshooter — why didn't my email or meeting sync?</h1>
      <form className="card" onSubmit={submit} aria-label="Find an item">
        <fieldset className="row">
          <legend>Find by</legend>
          {(
            [
              ['messageId', 'Message-ID'],
              ['sender', 'Sender + subject + date'],
              ['uid', 'Meeting UID'],
              ['title', 'Meeting title + date'],
            ] as const
          ).map(([m, label]) => (
            <label key={m}>
              <input type="radio" name="mode" checked={mode === m} onChange={() => setMode(m)} /> {label}
            </label>
          ))}
        </fieldset>
        {mode === 'messageId' ? (
          <Field label="Message-ID" hint="From the mail's headers, with or without < >">
            <input value={f.messageId} onChange={set('messageId')} required />
          </Field>
        ) : null}
        {mode === 'sender' ? (
          <div className="row">
            <Field label="Sender address">
              <input type="email" value={f.sender} onChange={set('sender')} required />
            </Field>
            <Field label="Subject">
              <input value={f.subject} onChange={set('subject')} required />
            </Field>
            <Field label="Date">
              <input type="date" value={f.date} onChange={set('date')} />
            </Field>
          </div>
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
        {mode === 'title' ? (
          <div className="row">
            <Field label="An attendee's address">
              <input type="email" value={f.attendee} onChange={set('attendee')} required />
            </Field>
            <Field label="Meeting title">
              <input value={f.title} onChange={set('title')} required />
            </Field>
            <Field label="Date">
              <input type="date" value={f.date} onChange={set('date')} />
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
      {result ? (
        <section className="card" aria-label="Explanation">
          <ExplanationView e={result.e} />
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
