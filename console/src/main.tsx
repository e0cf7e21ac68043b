import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, SESSION_ENDED, type Session, signIn, signOut } from './api';
import { ErrorLine } from './format';
import { AnalyticsPage } from './pages/analytics';
import { ApiKeysPage } from './pages/apiKeys';
import { DomainsPage } from './pages/domains';
import { MessageLog } from './pages/messageLog';
import { MessagePage } from './pages/messagePage';
import { SuppressionsPage } from './pages/suppressions';
import { TemplatesPage } from './pages/templates';
import { WebhooksPage } from './pages/webhooks';
import { Link, navigate, usePath } from './router';
import './styles.css';

const SECTIONS = [
  ['/console', 'Messages'],
  ['/console/suppressions', 'Suppressions'],
  ['/console/webhooks', 'Webhooks'],
  ['/console/domains', 'Domains'],
  ['/console/templates', 'Templates'],
  ['/console/analytics', 'Analytics'],
  ['/console/keys', 'API keys'],
] as const;

function SignIn(props: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <main class="signin">
      <h1>Sendflow</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            props.onSignedIn(await signIn(key.trim()));
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label>
          API key
          <input
            name="key"
            type="password"
            autocomplete="off"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            placeholder="sf_live_…"
            required
          />
        </label>
        <button type="submit">Sign in</button>
        <p class="hint">The key is exchanged for a session cookie and not kept by the page.</p>
        <ErrorLine error={error} />
      </form>
    </main>
  );
}

function Page(props: { path: string; session: Session }) {
  const { path, session } = props;
  const message = /^\/console\/messages\/([^/]+)$/.exec(path);
  if (message) return <MessagePage id={decodeURIComponent(message[1])} session={session} />;
  switch (path) {
    case '/console/suppressions':
      return <SuppressionsPage session={session} />;
    case '/console/webhooks':
      return <WebhooksPage session={session} />;
    case '/console/domains':
      return <DomainsPage session={session} />;
    case '/console/templates':
      return <TemplatesPage session={session} />;
    case '/console/analytics':
      return <AnalyticsPage />;
    case '/console/keys':
      return <ApiKeysPage session={session} />;
    default:
      return <MessageLog />;
  }
}

function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    currentSession().then(setSession, () => setSession(null));
    // An expired or revoked session shows the sign-in form again instead of failing every call.
    const ended = () => setSession(null);
    addEventListener(SESSION_ENDED, ended);
    return () => removeEventListener(SESSION_ENDED, ended);
  }, []);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (!session) return <SignIn onSignedIn={setSession} />;
  return (
    <>
      <header>
        <strong>Sendflow</strong>
        <nav>
          {SECTIONS.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              class={
                (href === '/console' ? path === href || path.startsWith('/console/messages') : path === href)
                  ? 'active'
                  : ''
              }
            >
              {label}
            </Link>
          ))}
        </nav>
        <span class="who">
          {session.project_id} · {session.scopes.join(', ')}
        </span>
        <button
          type="button"
          class="small"
          onClick={async () => {
            await signOut();
            setSession(null);
            navigate('/console');
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <Page path={path} session={session} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
