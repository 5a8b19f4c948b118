import { useEffect, useState, type FormEvent } from 'react';
import { AlertBanner } from './AlertBanner.js';
import { adoptTokenFromLink, api, redeemSignInCode, takeSignInCodeFromLink, token, type Workspace } from './api.js';
import { AccountsPage } from './pages/Accounts.js';
import { AdminPage } from './pages/Admin.js';
import { SearchPage } from './pages/Search.js';
import { SyncPage } from './pages/Sync.js';
import { TroubleshootPage } from './pages/Troubleshoot.js';
import { Field } from './ui.js';

function useHash(): string {
  const [hash, setHash] = useState(() => location.hash || '#/sync');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/sync');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

const NAV = [
  ['#/sync', 'Sync email & calendar'],
  ['#/accounts', 'Accounts'],
  ['#/troubleshoot', 'Troubleshooter'],
  ['#/search', 'Search'],
  ['#/admin', 'Admin'],
] as const;

const KNOWN = new Set(NAV.map(([href]) => href.slice(2)));

/** An address the app has no page for: say so, and offer the pages it has. */
function NotFound({ path }: { path: string }) {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. It may be an old bookmark or a mistyped address.
      </p>
      <ul aria-label="Pages" className="links">
        {NAV.map(([href, label]) => (
          <li key={href}>
            <a href={href}>{label}</a>
          </li>
        ))}
      </ul>
    </>
  );
}

// Before the first render, so the route never sees #token=… or #signin=….
const signedInByLink = adoptTokenFromLink();
const signInCode = takeSignInCodeFromLink();
// Started once here, not in an effect: a code is good for one use (StrictMode runs effects twice).
const redeemed = signInCode ? redeemSignInCode(signInCode) : null;
redeemed?.catch(() => undefined); // its failure is shown by the effect that awaits it

function SignIn({ onIn, notice }: { onIn: (w: Workspace) => void; notice: string | null }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const w = await api<Workspace>('GET', '/v1/workspace', undefined, value.trim());
      token.set(value.trim());
      onIn(w);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main className="signin">
      <h1>Touchpoint</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <Field
          label="API token"
          hint="Kept in this tab only (sessionStorage). New here? In a terminal, in the Touchpoint folder: bin/touchpoint token create --role admin --name me prints a token to paste here; bin/touchpoint sign-in-link prints a one-time link that signs you in. No workspace yet? bin/touchpoint init --workspace cs-team first, or try the demo: npm start."
        >
          <input
            type="password"
            autoComplete="off"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            required
            // biome-ignore lint/a11y/noAutofocus: the sign-in page has one field, the token, and nothing else to do
            autoFocus
          />
        </Field>
        <button type="submit">Sign in</button>
        {(error ?? notice) ? (
          <p className="error" role="alert">
            {error ?? notice}
          </p>
        ) : null}
      </form>
    </main>
  );
}

export function App() {
  const [ws, setWs] = useState<Workspace | null>(null);
  const [checked, setChecked] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const hash = useHash();
  useEffect(() => {
    const signIn = async () => {
      if (redeemed) {
        try {
          await redeemed;
        } catch (err) {
          token.clear();
          setNotice(`${(err as Error).message}.`);
          return;
        }
      }
      if (!token.get()) return;
      await api<Workspace>('GET', '/v1/workspace').then(setWs, () => {
        token.clear();
        if (signedInByLink || signInCode)
          setNotice('That sign-in link is no longer valid (each "npm start" makes a new one). Paste an API token instead.');
      });
    };
    void signIn().finally(() => setChecked(true));
  }, []);
  if (!checked) return null;
  if (!ws) return <SignIn onIn={setWs} notice={notice} />;
  // A query after the route (#/sync?connected=…) is the page's own: the route is before it.
  const [, page = 'sync', ...rest] = (hash.split('?')[0] ?? '').split('/');
  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link; the hash is the router's, so it focuses #main itself */}
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header>
        <strong className="brand">Touchpoint</strong>
        <span className="ws">workspace {ws.slug}</span>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <a key={href} href={href} aria-current={href === `#/${page}` ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          className="link"
          onClick={() => {
            token.clear();
            setWs(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {KNOWN.has(page) ? null : <NotFound path={hash} />}
        <AlertBanner />
        {page === 'sync' ? <SyncPage /> : null}
        {page === 'accounts' ? <AccountsPage accountId={rest[0] ? decodeURIComponent(rest[0]) : undefined} /> : null}
        {page === 'troubleshoot' ? <TroubleshootPage /> : null}
        {page === 'search' ? <SearchPage /> : null}
        {page === 'admin' ? <AdminPage workspace={ws} onWorkspace={setWs} /> : null}
      </main>
    </>
  );
}
