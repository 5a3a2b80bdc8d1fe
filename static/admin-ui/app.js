// The shell: who is signed in, the navigation, and which screen the address names.
// Screens live in the hash (`#/keys`, `#/jobs/<id>`), so a deep link survives sign-in.
import { html, render, useEffect, useState } from './vendor/preact-htm.js';
import { listScreens, may, onSignedOut, signOut, whoAmI } from './api.js';
import { go } from './ui.js';
import { SignIn } from './signin.js';

// The screens are the modules of screens/ (each exports its `screen`): a project that adds
// an area adds a module there, one that leaves an area out has none. The server lists them.
let SCREENS = [];

export function route() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [screen = '', id = null] = path.split('/').map(decodeURIComponent);
  return { screen, id, params: new URLSearchParams(query) };
}

function useRoute() {
  const [current, setCurrent] = useState(route());
  useEffect(() => {
    const changed = () => setCurrent(route());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return current;
}

function App() {
  const [me, setMe] = useState(undefined);
  const here = useRoute();
  useEffect(() => {
    whoAmI().then(setMe, () => setMe(null));
    return onSignedOut(() => setMe(null));
  }, []);
  const screens = SCREENS.filter((screen) => may(me, screen.scope));
  useEffect(() => {
    if (me === null && here.screen !== 'sign-in') {
      const back = location.hash.replace(/^#/, '');
      go(back && back !== '/' ? `/sign-in?next=${encodeURIComponent(back)}` : '/sign-in');
    } else if (me && (here.screen === 'sign-in' || here.screen === '')) {
      go(here.params.get('next') || `/${screens[0]?.path || 'jobs'}`);
    }
  }, [me, here]);
  useEffect(() => {
    const screen = SCREENS.find((s) => s.path === here.screen);
    document.title = `${screen ? screen.title : here.screen === 'sign-in' ? 'Sign in' : 'Admin'} · Hexa`;
  }, [here]);

  if (me === undefined) return html`<p class="loading" role="status">Loading…</p>`;
  if (me === null || here.screen === 'sign-in') {
    return html`<${SignIn} onSignedIn=${setMe} />`;
  }
  const screen = screens.find((s) => s.path === here.screen);
  const leave = async () => {
    try {
      await signOut();
    } finally {
      setMe(null);
    }
  };
  const View = screen && (here.id && screen.item ? screen.item : screen.view);
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="top">
      <span class="brand">Hexa admin</span>
      <nav aria-label="Screens"><ul>
        ${screens.map((s) => html`<li><a href=${`#/${s.path}`}
          aria-current=${s.path === here.screen ? 'page' : undefined}>${s.title}</a></li>`)}
      </ul></nav>
      <div class="who">
        <span>${me.email} (${me.role})</span>
        <button type="button" onClick=${leave}>Sign out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
      ${View
        ? html`<${View} me=${me} id=${here.id} params=${here.params} />`
        : html`<h1>Not here</h1><p>There is no screen <code>${here.screen}</code> for your role.</p>`}
    </main>`;
}

const root = document.getElementById('app');
listScreens().then((found) => {
  SCREENS = found.sort((a, b) => a.order - b.order);
  root.textContent = '';
  render(html`<${App} />`, root);
});
