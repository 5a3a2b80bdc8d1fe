// API keys: create (the token shown once), list, rotate with a grace period, revoke.
import { get, post, remove } from '../api.js';
import {
  html, useState, Dialog, Confirm, Field, Pager, ProblemNote, usePages, useSubmit, when,
} from '../ui.js';

const KEYS = '/api/admin/api-keys';
const SCOPES = ['inspections:read', 'inspections:write', 'rules:read', 'rules:write', 'jobs:read', 'admin'];
const DAY = 24 * 3600 * 1000;
const EXPIRIES = [['never', 'Never'], ['7', 'In 7 days'], ['30', 'In 30 days'], ['90', 'In 90 days'],
  ['365', 'In a year'], ['date', 'On a date…']];
const GRACES = [[0, 'None: the old token stops now'], [3600, '1 hour'], [86400, '1 day'], [604800, '7 days']];
const SOON = 7 * DAY;

function expiresAt(choice, date) {
  if (choice === 'never') return null;
  if (choice === 'date') return date ? new Date(`${date}T23:59:59`).toISOString() : undefined;
  return new Date(Date.now() + Number(choice) * DAY).toISOString();
}

function Expiry({ item }) {
  if (!item.expires_at) return html`never`;
  const left = new Date(item.expires_at) - Date.now();
  return html`${when(item.expires_at)}
    ${left <= 0 ? html`<span class="badge bad">expired</span>`
      : left < SOON ? html`<span class="badge warn">expires soon</span>` : null}`;
}

// The token, once: a copy button, a warning, and nothing left in the page once closed.
function TokenDialog({ issued, onClose }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(issued.token);
    setCopied(true);
  };
  return html`<${Dialog} open=${Boolean(issued)} title="Copy the new token" onClose=${onClose}>
    ${issued && html`
      <p><strong>This token will not be shown again.</strong> Store it in your secret manager now:
        Hexa keeps only its hash.</p>
      <p>Key <code>${issued.kid}</code> (${issued.name})</p>
      <code class="token" aria-label="New token">${issued.token}</code>
      <div class="actions">
        <button class="primary" type="button" onClick=${copy}>Copy token</button>
        ${copied && html`<span class="ok" role="status">Copied.</span>`}
        <button type="button" onClick=${onClose}>Close</button>
      </div>`}
  </${Dialog}>`;
}

function CreateKey({ onIssued }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState(['inspections:read']);
  const [expiry, setExpiry] = useState('90');
  const [date, setDate] = useState('');
  const form = useSubmit(async () => {
    const issued = await post(KEYS, { name, scopes, expires_at: expiresAt(expiry, date) });
    setName('');
    onIssued(issued);
  });
  const toggle = (scope) => setScopes(scopes.includes(scope)
    ? scopes.filter((s) => s !== scope) : [...scopes, scope]);
  const at = form.problem && form.problem.field(['name', 'scopes', 'expires_at']);
  return html`<form class="panel" onSubmit=${form.submit} aria-labelledby="new-key-title">
    <h2 id="new-key-title">New API key</h2>
    <div class="fields">
      <${Field} label="Name" id="key-name" problem=${at === 'name' && form.problem}>
        ${(a) => html`<input ...${a} required maxlength="200" value=${name} onInput=${(e) => setName(e.target.value)} />`}
      </${Field}>
      <fieldset aria-describedby=${at === 'scopes' ? 'key-scopes-problem' : undefined}>
        <legend>Scopes</legend>
        ${SCOPES.map((scope) => html`<label><input type="checkbox" checked=${scopes.includes(scope)}
          onChange=${() => toggle(scope)} /> ${scope}</label>`)}
        ${at === 'scopes' && html`<p class="problem" id="key-scopes-problem" role="alert">${form.problem.detail}</p>`}
      </fieldset>
      <${Field} label="Expires" id="key-expiry">
        ${(a) => html`<select ...${a} value=${expiry} onChange=${(e) => setExpiry(e.target.value)}>
          ${EXPIRIES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>`}
      </${Field}>
      ${expiry === 'date' && html`<${Field} label="Expiry date" id="key-date" problem=${at === 'expires_at' && form.problem}>
        ${(a) => html`<input ...${a} type="date" required value=${date} onInput=${(e) => setDate(e.target.value)} />`}
      </${Field}>`}
    </div>
    ${form.problem && !at && html`<${ProblemNote} problem=${form.problem} />`}
    <div class="actions"><button class="primary" type="submit" disabled=${form.busy || !scopes.length}>Create key</button></div>
  </form>`;
}

function RotateDialog({ item, onClose, onIssued }) {
  const [grace, setGrace] = useState(86400);
  const form = useSubmit(async () => {
    onIssued(await post(`${KEYS}/${encodeURIComponent(item.kid)}/rotate`, { grace_seconds: grace }));
  });
  return html`<${Dialog} open=${Boolean(item)} title=${`Rotate ${item?.name || ''}`} onClose=${onClose}>
    ${item && html`<form onSubmit=${form.submit}>
      <p>A new token replaces the current one. How long should the old token keep working?</p>
      <${Field} label="Grace period" id="rotate-grace">
        ${(a) => html`<select ...${a} value=${grace} onChange=${(e) => setGrace(Number(e.target.value))}>
          ${GRACES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>`}
      </${Field}>
      <${ProblemNote} problem=${form.problem} />
      <div class="actions">
        <button class="primary" type="submit" disabled=${form.busy}>Rotate</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>`}
  </${Dialog}>`;
}

export function Keys() {
  const pages = usePages((cursor) => get(KEYS, { cursor, limit: 50 }), []);
  const [issued, setIssued] = useState(null);
  const [rotating, setRotating] = useState(null);
  const [revoking, setRevoking] = useState(null);
  const revoke = useSubmit(async () => {
    await remove(`${KEYS}/${encodeURIComponent(revoking.kid)}`);
    setRevoking(null);
    pages.reload();
  });
  const shown = (key) => {
    setRotating(null);
    setIssued(key);
    pages.reload();
  };
  return html`<h1>API keys</h1>
    <${CreateKey} onIssued=${shown} />
    <h2>Keys</h2>
    <${ProblemNote} problem=${pages.problem} />
    <table>
      <thead><tr><th scope="col">Name</th><th scope="col">Key id</th><th scope="col">Scopes</th>
        <th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th>
        <th scope="col">State</th><th scope="col">Actions</th></tr></thead>
      <tbody>
        ${pages.items.map((key) => html`<tr key=${key.kid}>
          <td>${key.name}</td>
          <td><code>hxk_${key.kid}_…</code></td>
          <td>${key.scopes.join(', ')}</td>
          <td>${when(key.created_at)}</td>
          <td>${when(key.last_used_at)}</td>
          <td><${Expiry} item=${key} /></td>
          <td>${key.revoked_at ? html`<span class="badge bad">revoked ${when(key.revoked_at)}</span>`
            : key.previous_valid_until && new Date(key.previous_valid_until) > Date.now()
              ? html`<span class="badge warn">old token until ${when(key.previous_valid_until)}</span>`
              : html`<span class="badge good">active</span>`}</td>
          <td class="actions">${!key.revoked_at && html`
            <button type="button" aria-label=${`Rotate ${key.name}`} onClick=${() => setRotating(key)}>Rotate</button>
            <button type="button" class="danger" aria-label=${`Revoke ${key.name}`}
              onClick=${() => { revoke.setProblem(null); setRevoking(key); }}>Revoke</button>`}</td>
        </tr>`)}
      </tbody>
    </table>
    ${!pages.loading && !pages.items.length && html`<p class="hint">No keys yet.</p>`}
    <${Pager} pages=${pages} label="Keys" />
    <${TokenDialog} issued=${issued} onClose=${() => setIssued(null)} />
    <${RotateDialog} item=${rotating} onClose=${() => setRotating(null)} onIssued=${shown} />
    <${Confirm} open=${Boolean(revoking)} title=${`Revoke ${revoking?.name || ''}?`}
      message="Its token stops working at once, on every replica. This cannot be undone."
      action="Revoke key" onConfirm=${revoke.submit} onClose=${() => setRevoking(null)}
      problem=${revoke.problem} />`;
}

// What the shell lists in its navigation (app.js), in `order`, for callers with `scope`.
export const screen = { path: 'keys', title: 'API keys', scope: 'admin', order: 10, view: Keys };
