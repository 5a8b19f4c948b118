import { useState } from 'react';
import { get, q, when, type Account, type EmailContent, type Explanation, type TimelineItem } from '../api.js';
import { WhyPanel } from '../explain.js';
import { emailFrameDoc, sanitizeEmailHtml } from '../sanitize.js';
import { ErrorNote, useLoad } from '../ui.js';

function EmailBody({ id }: { id: string }) {
  const email = useLoad(() => get<EmailContent>(`/v1/emails/${encodeURIComponent(id)}`), [id]);
  const [remote, setRemote] = useState(false);
  if (email.error) return <ErrorNote error={email.error} />;
  const e = email.data;
  if (!e) return <p>Loading…</p>;
  const people = (k: 'from' | 'to' | 'cc') =>
    (e.participants?.[k] ?? []).map((p) => (p.name ? `${p.name} <${p.address}>` : p.address)).join(', ');
  const clean = e.bodyHtml ? sanitizeEmailHtml(e.bodyHtml, remote) : null;
  return (
    <div className="email-body">
      <dl className="facts">
        <dt>From</dt>
        <dd>{people('from')}</dd>
        <dt>To</dt>
        <dd>{people('to')}</dd>
        {people('cc') ? (
          <>
            <dt>Cc</dt>
            <dd>{people('cc')}</dd>
          </>
        ) : null}
      </dl>
      {clean ? (
        <>
          {clean.blockedRemote > 0 || remote ? (
            <p className="muted">
              {remote ? 'Remote content is shown.' : `${clean.blockedRemote} remote image(s) blocked.`}{' '}
              <button type="button" className="secondary" onClick={() => setRemote(!remote)}>
                {remote ? 'Block remote content' : 'Show remote content'}
              </button>
            </p>
          ) : null}
          <iframe
            className="email"
            title={`Email: ${e.subject ?? ''}`}
            sandbox="allow-popups allow-popups-to-escape-sandbox"
            srcDoc={emailFrameDoc(clean.html, remote)}
          />
        </>
      ) : (
        <pre className="text-body">{e.bodyText ?? '(no body stored)'}</pre>
      )}
    </div>
  );
}

function Item({ it, onChanged }: { it: TimelineItem; onChanged: () => void }) {
  const [why, setWhy] = useState<Explanation | null>(null);
  const [open, setOpen] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const toggleWhy = async () => {
    if (why) return setWhy(null);
    try {
      setWhy(
        it.kind === 'email'
          ? await get<Explanation>(`/v1/explain/email?${q({ messageId: it.messageId ?? '' })}`)
          : await get<Explanation>(`/v1/explain/meeting?${q({ uid: it.uid, occurrence: it.occurrence })}`),
      );
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  const who = [...new Set(it.via.map((v) => v.email))].join(', ');
  return (
    <li data-kind={it.kind}>
      <div>
        <span className="kind">{it.kind}</span>
        <strong>{it.kind === 'email' ? it.subject || '(no subject)' : it.title || '(no title)'}</strong>
      </div>
      <div className="muted">
        {when(it.at)} · with {who}
      </div>
      <div className="actions">
        {it.kind === 'email' ? (
          <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide email' : 'Show email'}
          </button>
        ) : null}
        <button type="button" className="secondary" aria-expanded={!!why} onClick={() => void toggleWhy()}>
          Why is this here?
        </button>
      </div>
      <ErrorNote error={err} />
      {open ? <EmailBody id={it.id} /> : null}
      {why ? <WhyPanel e={why} onChanged={onChanged} /> : null}
    </li>
  );
}

export function AccountsPage({ accountId }: { accountId?: string }) {
  const accounts = useLoad(() => get<Account[]>('/v1/accounts'), []);
  const timeline = useLoad(
    async () =>
      accountId ? get<{ account: Account; items: TimelineItem[] }>(`/v1/accounts/${encodeURIComponent(accountId)}/timeline`) : null,
    [accountId],
  );
  return (
    <>
      <h1>Accounts{timeline.data ? ` → ${timeline.data.account.name}` : ''}</h1>
      <ErrorNote error={accounts.error ?? timeline.error} />
      <nav aria-label="Accounts" className="actions">
        {accounts.data?.map((a) => (
          <a key={a.id} href={`#/accounts/${encodeURIComponent(a.id)}`} aria-current={a.id === accountId ? 'page' : undefined}>
            {a.name}
          </a>
        ))}
      </nav>
      {timeline.data ? (
        <>
          <h2>
            Timeline <span className="muted">(newest first, {timeline.data.items.length} items)</span>{' '}
            <button type="button" className="secondary" onClick={() => void timeline.reload()}>
              Refresh
            </button>
          </h2>
          {timeline.data.items.length === 0 ? <p>Nothing logged yet.</p> : null}
          <ol className="timeline" aria-label="Timeline">
            {timeline.data.items.map((it) => (
              <Item key={`${it.kind}/${it.id}`} it={it} onChanged={() => void timeline.reload()} />
            ))}
          </ol>
        </>
      ) : (
        <p>Choose an account.</p>
      )}
    </>
  );
}
