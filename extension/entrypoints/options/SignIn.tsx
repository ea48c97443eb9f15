/**
 * The options page: which server to use and who is signed in (and, for administrators, the
 * candidate import, the message templates and the organization's senders). The password goes to the background worker, which signs in and keeps the
 * token; this page never sees the token.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { Session } from '../../lib/protocol';
import { request } from '../../lib/relay';
import { DEFAULT_SERVER_URL } from '../../lib/storage';
import { ImportCandidates } from '../../ui/import/ImportCandidates';
import { SendingSection } from '../../ui/sending/SendingSection';
import { TemplatesSection } from '../../ui/templates/TemplatesSection';
import { browser } from 'wxt/browser';

/** A server other than this machine needs the recruiter's permission (asked during the click). */
async function mayReach(serverUrl: string): Promise<boolean> {
  let origin: string;
  try {
    origin = new URL(serverUrl).origin;
  } catch {
    return true; // The background refuses a malformed URL with a readable message.
  }
  const pattern = `${origin}/*`;
  if (await browser.permissions.contains({ origins: [pattern] })) return true;
  return browser.permissions.request({ origins: [pattern] }).catch(() => false);
}

export function SignIn() {
  const session = useSignal<Session | null>(null);
  const serverUrl = useSignal(DEFAULT_SERVER_URL);
  const email = useSignal('');
  const password = useSignal('');
  const error = useSignal('');
  const busy = useSignal(false);

  useEffect(() => {
    void request('session.get', {}).then((r) => {
      if (!r.ok) return;
      session.value = r.data;
      serverUrl.value = r.data.serverUrl;
      if (r.data.recruiter) email.value = r.data.recruiter.email;
    });
  }, []);

  async function signIn(e: Event) {
    e.preventDefault();
    if (busy.value) return;
    error.value = '';
    const url = serverUrl.value.trim();
    if (!(await mayReach(url))) {
      error.value = `Allow the extension to reach ${url} to sign in there.`;
      return;
    }
    busy.value = true;
    const r = await request('session.signIn', { serverUrl: url, email: email.value.trim(), password: password.value });
    busy.value = false;
    if (!r.ok) {
      error.value = r.error.code === 'UNAUTHORIZED' ? 'Wrong email or password.' : r.error.message;
      return;
    }
    password.value = '';
    session.value = r.data;
  }

  async function signOut() {
    busy.value = true;
    const r = await request('session.signOut', {});
    busy.value = false;
    if (r.ok) session.value = r.data;
  }

  const s = session.value;
  const admin = !!(s?.signedIn && s.recruiter?.isAdmin);
  return (
    <main class={`te-page${admin ? ' te-page-wide' : ''}`}>
      <header class="te-page-header">
        <span class="te-logo" aria-hidden="true">
          ✆
        </span>
        <h1>Text Engagement</h1>
      </header>
      {s?.signedIn && s.recruiter ? (
        <section class="te-card" aria-labelledby="signed-in-title">
          <h2 id="signed-in-title">Signed in</h2>
          <p data-testid="signed-in-as">
            Signed in as <strong>{s.recruiter.name}</strong> ({s.recruiter.email}) at {s.recruiter.organization.name}.
          </p>
          {!s.recruiter.licensed && (
            <p class="te-notice te-notice-warn">You don’t have a Text Engagement licence, so you can read conversations but not send texts.</p>
          )}
          <p class="te-muted">Server: {s.serverUrl}</p>
          <button type="button" class="te-button" onClick={signOut} disabled={busy.value}>
            Sign out
          </button>
        </section>
      ) : (
        <form class="te-card" onSubmit={signIn} aria-labelledby="sign-in-title" noValidate>
          <h2 id="sign-in-title">Sign in</h2>
          <label class="te-field">
            <span>Server URL</span>
            <input type="url" name="serverUrl" value={serverUrl.value} onInput={(e) => (serverUrl.value = e.currentTarget.value)} required />
          </label>
          <label class="te-field">
            <span>Email</span>
            <input type="email" name="email" autocomplete="username" value={email.value} onInput={(e) => (email.value = e.currentTarget.value)} required />
          </label>
          <label class="te-field">
            <span>Password</span>
            <input
              type="password"
              name="password"
              autocomplete="current-password"
              value={password.value}
              onInput={(e) => (password.value = e.currentTarget.value)}
              required
            />
          </label>
          {error.value && (
            <p class="te-notice te-notice-error" role="alert">
              {error.value}
            </p>
          )}
          <button type="submit" class="te-button te-button-primary" disabled={busy.value}>
            {busy.value ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
      {/* Candidate data is the administrators' to change (the server refuses anyone else). */}
      {admin && <ImportCandidates />}
      {admin && <TemplatesSection />}
      {admin && <SendingSection />}
    </main>
  );
}
