// Sign-in: email and password; the server answers with HTTP-only cookies, so this page
// only learns who signed in. Wrong credentials and throttling are shown inline.
import { signIn, whoAmI } from './api.js';
import { html, useState, useId } from './ui.js';

function waitText(seconds) {
  if (!seconds) return 'Try again later.';
  return seconds < 90 ? `Try again in ${seconds} seconds.` : `Try again in ${Math.ceil(seconds / 60)} minutes.`;
}

export function SignIn({ onSignedIn }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const noteId = useId('signin-problem');
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await signIn(email, password);
      setPassword('');
      onSignedIn(await whoAmI());
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  const message = problem?.status === 429 ? `Too many sign-in attempts. ${waitText(problem.retryAfter)}`
    : problem?.detail;
  return html`<main id="main" class="signin">
    <h1>Sign in to Hexa</h1>
    <form class="panel" onSubmit=${submit} aria-describedby=${problem ? noteId : undefined}>
      <div class="field">
        <label for="signin-email">Email</label>
        <input id="signin-email" type="email" autocomplete="username" required
          value=${email} onInput=${(e) => setEmail(e.target.value)} />
      </div>
      <div class="field">
        <label for="signin-password">Password</label>
        <input id="signin-password" type="password" autocomplete="current-password" required
          value=${password} onInput=${(e) => setPassword(e.target.value)} />
      </div>
      ${problem && html`<p class="problem" role="alert" id=${noteId}>${message}</p>`}
      <div class="actions"><button class="primary" type="submit" disabled=${busy}>Sign in</button></div>
    </form>
  </main>`;
}
