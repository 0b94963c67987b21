import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, usePath } from './components/router';
import { BotsPage } from './features/bots/bots-page';
import { ConnectionsPage } from './features/connections/connections-page';
import { InvocationsPage } from './features/invocations/invocations-page';
import { PlaygroundPage } from './features/playground/playground-page';
import { keepKey, sentenceFor, SessionContext, signIn, storedKey, type Session } from './session/session';

const SCREENS = [
  { path: '/bots', name: 'Bots', Page: BotsPage },
  { path: '/connections', name: 'Connections', Page: ConnectionsPage },
  { path: '/invocations', name: 'Invocations', Page: InvocationsPage },
  { path: '/playground', name: 'Playground', Page: PlaygroundPage },
];

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const queries = useQueryClient();

  useEffect(() => {
    const key = storedKey();
    if (key === null) return;
    signIn(key)
      .then(setSession, () => keepKey(null))
      .finally(() => setRestoring(false));
  }, []);

  const signOut = () => {
    keepKey(null);
    queries.clear();
    setSession(null);
  };

  if (restoring) return <p className="loading">Signing in…</p>;
  if (!session) return <SignIn onSignedIn={setSession} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(key.trim());
      keepKey(session.apiKey);
      onSignedIn(session);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>bothooks console</h1>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} required placeholder="bh_admin_… or bh_bot_…" />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error ? (
          <p className="error" role="alert">
            {sentenceFor(error)}
          </p>
        ) : null}
        <p className="muted">The key stays in this tab only (session storage) and goes nowhere but this bothooks.</p>
      </form>
    </main>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const path = usePath();
  const screen = SCREENS.find((s) => path.startsWith(s.path)) ?? SCREENS[0];
  useEffect(() => {
    document.title = `${screen.name} · bothooks console`;
  }, [screen.name]);
  return (
    <>
      <header className="top">
        <span className="brand">bothooks</span>
        <nav aria-label="Main">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.path}>
                <Link to={s.path} current={s === screen}>
                  {s.name}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        <screen.Page />
      </main>
    </>
  );
}
