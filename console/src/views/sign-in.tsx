/**
 * Sign-in: the token is posted once to /api/v1/session, which answers with an
 * HttpOnly session cookie; the token itself is never stored by the browser
 * (not in localStorage, not in the cookie), and the field is cleared at once.
 */
import { useState } from 'preact/hooks';
import { ApiError, request } from '../api/client.ts';
import type { Session } from '../api/types.ts';

export function SignIn(props: { onSignedIn: (session: Session) => void; note?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const given = token.trim();
    setToken('');
    try {
      const session = await request<Session>('/api/v1/session', { method: 'POST', body: { token: given }, quiet401: true });
      props.onSignedIn(session);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.detail : 'the server could not be reached');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Berth</h1>
      {props.note && <p class="muted">{props.note}</p>}
      <form onSubmit={(event) => { void submit(event); }}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" required value={token}
          onInput={(event) => { setToken(event.currentTarget.value); }} aria-describedby="token-help" />
        <p id="token-help" class="muted">An admin or read token (BERTH_API_ADMIN_TOKENS, BERTH_API_READ_TOKENS). It becomes a session cookie; the browser keeps no copy.</p>
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        {error && <p class="error" role="alert">Sign-in refused: {error}</p>}
      </form>
    </main>
  );
}
