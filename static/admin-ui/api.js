// The one door to the server: every request of the UI goes through `call`, which sends the
// session cookie, echoes the CSRF cookie on changes, refreshes an expired session once and
// turns problem+json answers into `Problem` errors. Nothing is kept in web storage: the
// tokens live in HTTP-only cookies the page cannot read.

const SAFE = new Set(['GET', 'HEAD']);
const signedOutListeners = new Set();

export class Problem extends Error {
  constructor(status, body, headers) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.title = body.title || '';
    this.detail = body.detail || body.title || `The server answered ${status}.`;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    const wait = Number(headers.get('Retry-After'));
    this.retryAfter = Number.isFinite(wait) && wait > 0 ? wait : null;
  }

  // Which form field the problem is about: pydantic's location (`body.params.pattern`)
  // or the first quoted name in a domain detail (`'pattern' is not a valid ...`).
  field(names) {
    for (const error of this.errors) {
      const last = String(error.location || '').split('.').pop();
      if (names.includes(last)) return last;
    }
    const quoted = this.detail.match(/'([a-z_]+)'/);
    if (quoted && names.includes(quoted[1])) return quoted[1];
    return names.find((name) => new RegExp(`\\b${name}\\b`).test(this.detail)) || null;
  }
}

export function onSignedOut(listener) {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

function csrfToken() {
  const found = document.cookie.match(/(?:^|;\s*)hexa_csrf=([^;]*)/);
  return found ? decodeURIComponent(found[1]) : '';
}

let refreshing = null;

// Rotates the session with the refresh cookie; concurrent callers share one attempt.
function refreshSession() {
  refreshing ??= fetch('/api/v1/auth/refresh', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
  })
    .then((response) => response.ok)
    .catch(() => false)
    .finally(() => { refreshing = null; });
  return refreshing;
}

export async function call(method, path, options = {}) {
  const { json, body, headers = {}, accept = 'application/json', retry = true } = options;
  const init = { method, credentials: 'same-origin', headers: { Accept: accept, ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  if (!SAFE.has(method)) init.headers['X-CSRF-Token'] = csrfToken();
  const response = await fetch(path, init);
  if (response.status === 401 && !path.startsWith('/api/v1/auth/')) {
    if (retry && (await refreshSession())) return call(method, path, { ...options, retry: false });
    signedOutListeners.forEach((listener) => listener());
  }
  if (!response.ok) throw new Problem(response.status, await problemOf(response), response.headers);
  return response;
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText };
  }
}

async function answer(method, path, options) {
  const response = await call(method, path, options);
  return response.status === 204 ? null : response.json();
}

export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export const get = (path, params) => answer('GET', withQuery(path, params));
export const post = (path, json, options = {}) => answer('POST', path, { ...options, json });
export const put = (path, json, options = {}) => answer('PUT', path, { ...options, json });
export const patch = (path, json, options = {}) => answer('PATCH', path, { ...options, json });
export const remove = (path, options = {}) => answer('DELETE', path, options);
export const upload = (path, form) => answer('POST', path, { body: form });
export const ifMatch = (version) => ({ headers: { 'If-Match': `"${version}"` } });

export const signIn = (email, password) => post('/api/v1/auth/login', { email, password });
export const signOut = () => post('/api/v1/auth/logout');

// Whoever holds the session, or null when there is none (after one refresh attempt).
export async function whoAmI() {
  const me = () => fetch('/api/v1/auth/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  let response = await me();
  if (response.status === 401 && (await refreshSession())) response = await me();
  if (response.status === 401) return null;
  if (!response.ok) throw new Problem(response.status, await problemOf(response), response.headers);
  return response.json();
}

export function may(me, scope) {
  return Boolean(me) && (me.scopes.includes(scope) || me.scopes.includes('admin'));
}

// Follows a job over its WebSocket, authenticated by the session cookie (same origin).
// `onFrame` gets each snapshot and update, never heartbeats; `onEnd` the close event.
// A socket that drops opens again and starts over from a fresh snapshot.
export function followJob(jobId, { onFrame, onEnd, onReconnect }) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}/ws/jobs/${encodeURIComponent(jobId)}`;
  let socket = null;
  let stopped = false;
  let attempts = 0;
  let timer = null;
  const open = () => {
    socket = new WebSocket(url);
    socket.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data);
      attempts = 0;
      if (frame.type !== 'heartbeat') onFrame(frame);
    });
    socket.addEventListener('close', async (event) => {
      if (stopped) return;
      if (event.code === 4401 && attempts === 0 && (await refreshSession())) {
        attempts += 1;
        open();
        return;
      }
      const final = event.code === 1000 || (event.code >= 4400 && event.code < 4500);
      if (final || attempts >= 5) {
        onEnd(event);
        return;
      }
      attempts += 1;
      onReconnect?.(attempts);
      timer = setTimeout(open, 250 * 2 ** attempts);
    });
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close(1000);
  };
}

// Every module the server lists under screens/, loaded once.
let screenModules = null;
function modules() {
  screenModules ??= fetch('screens/index.json', { credentials: 'same-origin' })
    .then((listed) => (listed.ok ? listed.json() : []))
    .then((names) => Promise.all(names.map((name) => import(`./screens/${name}`))));
  return screenModules;
}

// Each module's `screen` descriptor: what the shell lists in its navigation.
export async function listScreens() {
  return (await modules()).map((module) => module.screen).filter(Boolean);
}

// Each module's Overview `panels` ({order, scope, view}): an area adds its own charts.
export async function listPanels() {
  return (await modules()).flatMap((module) => module.panels || []).sort((a, b) => a.order - b.order);
}
