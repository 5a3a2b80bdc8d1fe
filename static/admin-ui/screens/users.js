// Users: cursor pages, change a role, disable or enable an account. Your own row cannot
// demote or disable you (the API refuses it too). One user's page (`#/users/<id>`), where
// the audit log's names lead, links to what they did.
import { get, ifMatch, patch, withQuery } from '../api.js';
import { html, useEffect, useState, Pager, ProblemNote, usePages, when } from '../ui.js';

const USERS = '/api/admin/users';
const ROLES = ['admin', 'inspector', 'viewer'];

function UserRow({ user, me, onChanged }) {
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const self = user.id === me.id;
  const change = async (body) => {
    setBusy(true);
    try {
      onChanged(await patch(`${USERS}/${encodeURIComponent(user.id)}`, body, ifMatch(user.version)));
      setProblem(null);
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  const noteId = `user-${user.id}-problem`;
  return html`<tr>
    <td><a href=${`#/users/${encodeURIComponent(user.id)}`}>${user.email}</a>${self && html` <span class="badge">you</span>`}</td>
    <td>
      <select aria-label=${`Role of ${user.email}`} value=${user.role} disabled=${self || busy}
        aria-describedby=${problem ? noteId : undefined}
        onChange=${(e) => change({ role: e.target.value })}>
        ${ROLES.map((role) => html`<option value=${role}>${role}</option>`)}
      </select>
    </td>
    <td>${user.verified ? 'yes' : 'no'}</td>
    <td>${user.active ? html`<span class="badge good">active</span>` : html`<span class="badge bad">disabled</span>`}</td>
    <td>${when(user.created_at)}</td>
    <td>
      <button type="button" class=${user.active ? 'danger' : ''} disabled=${self || busy}
        onClick=${() => change({ active: !user.active })}>
        ${user.active ? 'Disable' : 'Enable'}<span class="vh"> ${user.email}</span>
      </button>
      ${self && html`<p class="hint">Another admin must change your own account.</p>`}
      ${problem && html`<p class="problem" role="alert" id=${noteId}>${problem.detail}</p>`}
    </td>
  </tr>`;
}

export function Users({ me }) {
  const pages = usePages((cursor) => get(USERS, { cursor, limit: 25 }), []);
  return html`<h1>Users</h1>
    <${ProblemNote} problem=${pages.problem} />
    <table>
      <${Headings} />
      <tbody>${pages.items.map((user) => html`<${UserRow} key=${user.id} user=${user} me=${me}
        onChanged=${pages.reload} />`)}</tbody>
    </table>
    <${Pager} pages=${pages} label="Users" />`;
}

const Headings = () => html`<thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Verified</th>
  <th scope="col">State</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>`;

export function User({ id, me }) {
  const [user, setUser] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => { get(`${USERS}/${encodeURIComponent(id)}`).then(setUser, setProblem); }, [id]);
  return html`<h1>${user ? user.email : 'User'}</h1>
    <p><a href="#/users">All users</a></p>
    <${ProblemNote} problem=${problem} />
    ${user && html`<table><${Headings} /><tbody><${UserRow} user=${user} me=${me} onChanged=${setUser} /></tbody></table>
      <p><a href=${withQuery('#/audit', { actor: `user:${user.id}` })}>What ${user.email} did (audit log)</a></p>`}`;
}

// What the shell lists in its navigation (app.js), in `order`, for callers with `scope`.
export const screen = { path: 'users', title: 'Users', scope: 'admin', order: 20, view: Users, item: User };
