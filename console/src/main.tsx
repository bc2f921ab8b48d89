/**
 * The Berth console: asks who the browser is (GET /api/v1/session), shows the
 * sign-in form or the shell, and in the shell the view the address names. One
 * live-event stream per tab while signed in.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, consoleApplicationPath, prefetch, rememberSession, request, whenUnauthorized, withQuery } from './api/client.ts';
import { startLive, stopLive, watchLiveState, type LiveState } from './api/events.ts';
import type { Session } from './api/types.ts';
import { Notices, notify } from './notices.tsx';
import { currentRoute, Link, navigate, useRoute } from './router.tsx';
import { ApplicationList, listPath, listQuery } from './views/application-list.tsx';
import { ApplicationPage } from './views/application-page.tsx';
import { ErrorBox, Loading } from './views/badges.tsx';
import { SignIn } from './views/sign-in.tsx';
import './styles.css';

const liveWords: Record<LiveState, string> = { live: 'Live', connecting: 'Reconnecting…', offline: 'Offline' };

function LiveIndicator() {
  const [state, setState] = useState<LiveState>('offline');
  useEffect(() => watchLiveState(setState), []);
  return <span class={`live ${state}`} title="Live updates from the controller (Server-Sent Events)"><span aria-hidden="true">●</span> {liveWords[state]}</span>;
}

function Shell(props: { session: Session; onSignOut: () => void; onSignIn: () => void }) {
  const route = useRoute();
  useEffect(() => {
    if (route.view === 'list') document.title = 'Applications · Berth';
  }, [route.view]);
  const signOut = async (): Promise<void> => {
    try {
      await request('/api/v1/session', { method: 'DELETE' });
    } catch (caught) {
      notify(`Sign-out failed: ${caught instanceof ApiError ? caught.detail : String(caught)}`, 'error');
      return;
    }
    props.onSignOut();
  };
  let view;
  switch (route.view) {
    case 'list': view = <ApplicationList filters={route.filters} />; break;
    case 'app': view = <ApplicationPage key={`${route.namespace}/${route.name}`} namespace={route.namespace} name={route.name} tab={route.tab} session={props.session} />; break;
    case 'drift': view = <ApplicationPage key={`${route.namespace}/${route.name}`} namespace={route.namespace} name={route.name} tab="drift" object={route.object} session={props.session} />; break;
    case 'not-found': view = <main id="main"><h1>Not found</h1><p>No console page at <code>{route.path}</code>. <Link href="/">Applications</Link></p></main>; break;
  }
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <Link href="/" class="brand" aria-label="Berth, all Applications"><span aria-hidden="true">⚓</span> Berth</Link>
        <nav aria-label="Main"><Link href="/" aria-current={route.view === 'list' ? 'page' : undefined}>Applications</Link></nav>
        <span class="spacer" />
        <LiveIndicator />
        <span class={`role ${props.session.role}`}>{props.session.role === 'admin' ? 'admin' : 'read only'}</span>
        {props.session.via === 'cookie' && <button type="button" onClick={() => { void signOut(); }}>Sign out</button>}
        {props.session.via === 'public' && <button type="button" onClick={props.onSignIn}>Sign in</button>}
      </header>
      {view}
      <Notices />
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [wantsSignIn, setWantsSignIn] = useState(false);
  const [error, setError] = useState<unknown>();

  const adopt = (next: Session | null): void => {
    rememberSession(next ?? undefined);
    setSession(next);
    setWantsSignIn(false);
    if (next) startLive();
    else stopLive();
  };

  useEffect(() => {
    whenUnauthorized(() => { adopt(null); });
    request<Session>('/api/v1/session', { quiet401: true })
      .then(adopt, (caught: unknown) => { if (caught instanceof ApiError && caught.status === 401) adopt(null); else setError(caught); });
  }, []);

  if (error !== undefined) return <main id="main"><ErrorBox error={error} what="The controller could not be reached" /></main>;
  if (session === undefined) return <main id="main"><Loading what="the console" /></main>;
  if (session === null || wantsSignIn) {
    return <SignIn onSignedIn={(next) => { adopt(next); navigate(window.location.pathname + window.location.search, { replace: true }); }} />;
  }
  return <Shell session={session} onSignOut={() => { adopt(null); }} onSignIn={() => { setWantsSignIn(true); }} />;
}

/** The first view's data, asked for beside the session (its answer decides only whether it is shown). */
function prefetchFirstView(): void {
  const route = currentRoute();
  if (route.view === 'list') prefetch(withQuery(listPath, listQuery(route.filters)));
  else if (route.view === 'app' || route.view === 'drift') prefetch(consoleApplicationPath(route.namespace, route.name));
}

const root = document.getElementById('root');
if (root) {
  prefetchFirstView();
  root.textContent = '';
  render(<App />, root);
}
