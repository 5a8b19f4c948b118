import { useState } from 'react';
import { get, q, type Account, type EmailContent, type Explanation, type TimelineItem } from '../api.js';
import { Time } from '../time.js';
import { WhyPanel } from '../explain.js';
import { emailFrameDoc, sanitizeEmailHtml } from '../sanitize.js';
import { ErrorNote, Field, useAction, useLoad, TableWrap } from '../ui.js';
import { AddAccountForm, EditAccountForm } from '../forms/AccountForms.js';
import { EndUsersPanel } from '../forms/EndUserForms.js';

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

function Item({ it }: { it: TimelineItem }) {
  const [why, setWhy] = useState<Explanation | null>(null);
  const [open, setOpen] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const explain = async () => {
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
  const toggleWhy = async () => (why ? setWhy(null) : explain());
  const who = [...new Set(it.via.map((v) => v.email))].join(', ');
  return (
    <li data-kind={it.kind}>
      <div>
        <span className="kind">{it.kind}</span>
        <strong>{it.kind === 'email' ? it.subject || '(no subject)' : it.title || '(no title)'}</strong>
      </div>
      <div className="muted">
        <Time iso={it.at} /> · with {who}
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
      {why && why.outcome !== 'linked' ? (
        <p className="warning">No longer on this timeline: Refresh to update the list (or Undo below).</p>
      ) : null}
      {/* An action re-reads the explanation in place: its result and Undo stay where it was pressed. */}
      {why ? <WhyPanel e={why} onChanged={() => void explain()} /> : null}
    </li>
  );
}

interface AccountSummary extends Account {
  endUsers: number;
  emails: number;
  meetings: number;
  lastActivityAt: string | null;
}

/** Every account with its counts and last activity, narrowed as the CSM types. */
function AccountList() {
  const [text, setText] = useState('');
  const list = useLoad(() => get<AccountSummary[]>(`/v1/account-summaries?${q({ q: text })}`), [text]);
  const rows = list.data;
  return (
    <>
      <h1>Accounts</h1>
      <ErrorNote error={list.error} />
      {/* biome-ignore lint/a11y/useSemanticElements: a form with role="search" is the landmark every browser knows; <search> is too new for some */}
      <form role="search" aria-label="Accounts" onSubmit={(e) => e.preventDefault()}>
        <Field label="Find an account" hint="A part of its name or id">
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </Field>
      </form>
      {rows && rows.length === 0 ? (
        <div className="empty">
          {text ? (
            <p>No account matches “{text}”.</p>
          ) : (
            <>
              <p>No accounts yet.</p>
              <p className="muted">
                Add one with <code>touchpoint account add --id acme --name "Acme Corp"</code>, then its end users in{' '}
                <a href="#/admin">Admin</a> (CSV import). Their emails and meetings show up here once a mailbox is connected on{' '}
                <a href="#/sync">Sync</a>.
              </p>
            </>
          )}
        </div>
      ) : null}
      {rows?.length ? (
        <TableWrap>
          <table aria-label="Accounts">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">End users</th>
                <th scope="col">Emails</th>
                <th scope="col">Meetings</th>
                <th scope="col">Last activity</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id}>
                  <td>
                    <a href={`#/accounts/${encodeURIComponent(a.id)}`}>{a.name}</a>
                  </td>
                  <td>{a.endUsers}</td>
                  <td>{a.emails}</td>
                  <td>{a.meetings}</td>
                  <td>{a.lastActivityAt ? <Time iso={a.lastActivityAt} /> : 'nothing logged yet'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <AddAccountForm onAdded={(a) => void list.reload().then(() => location.assign(`#/accounts/${encodeURIComponent(a.id)}`))} />
    </>
  );
}

/** Items per page: the first page and each "Show older" (the API's default page, docs/decisions.md). */
const PAGE = 50;
type TimelinePage = { account: Account; items: TimelineItem[]; next?: string };

/** One account's timeline, newest first, a page at a time ("Show older" reads the next page by its cursor). */
function AccountTimeline({ accountId }: { accountId: string }) {
  const url = (before?: string) =>
    `/v1/accounts/${encodeURIComponent(accountId)}/timeline?${q({ limit: PAGE, ...(before ? { before } : {}) })}`;
  const [older, setOlder] = useState<{ items: TimelineItem[]; next?: string } | null>(null);
  const timeline = useLoad(async () => {
    setOlder(null); // a reload starts again from the newest page
    return get<TimelinePage>(url());
  }, [accountId]);
  const more = useAction();
  const first = timeline.data;
  const t = first ? { ...first, items: [...first.items, ...(older?.items ?? [])], next: older ? older.next : first.next } : null;
  const showOlder = (cursor: string) =>
    void more.run(async () => {
      const page = await get<TimelinePage>(url(cursor));
      setOlder((o) => ({ items: [...(o?.items ?? []), ...page.items], next: page.next }));
      return `${page.items.length} older item${page.items.length === 1 ? '' : 's'} shown.`;
    });
  return (
    <>
      <p>
        <a href="#/accounts">← All accounts</a>
      </p>
      <h1>{t ? t.account.name : accountId}</h1>
      <ErrorNote error={timeline.error} />
      {t ? (
        <>
          <h2>
            Timeline{' '}
            <span className="muted">
              (newest first, {t.items.length} items{t.next ? ' shown' : ''})
            </span>{' '}
            <button type="button" className="secondary" onClick={() => void timeline.reload()}>
              Refresh
            </button>
          </h2>
          {t.items.length === 0 ? (
            <div className="empty">
              <p>Nothing logged on {t.account.name} yet.</p>
              <p className="muted">
                Emails and meetings appear here when a connected mailbox sees one of its end users on them. Check its end users in{' '}
                <a href="#/admin">Admin</a>, the connections on <a href="#/sync">Sync</a>, or ask the{' '}
                <a href="#/troubleshoot">Troubleshooter</a> about a missing email.
              </p>
            </div>
          ) : null}
          <ol className="timeline" aria-label="Timeline">
            {t.items.map((it) => (
              <Item key={`${it.kind}/${it.id}`} it={it} />
            ))}
          </ol>
          {t.next ? (
            <p>
              <button type="button" className="secondary" disabled={more.busy} onClick={() => showOlder(t.next!)}>
                Show older
              </button>
            </p>
          ) : null}
          {more.status}
          <details className="card">
            <summary>Edit {t.account.name} and its end users</summary>
            <EditAccountForm key={t.account.id} account={t.account} onSaved={() => void timeline.reload()} />
            <EndUsersPanel accountId={t.account.id} onChanged={() => void timeline.reload()} />
          </details>
        </>
      ) : null}
    </>
  );
}

export function AccountsPage({ accountId }: { accountId?: string }) {
  return accountId ? <AccountTimeline accountId={accountId} /> : <AccountList />;
}
