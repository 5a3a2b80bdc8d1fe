// The audit log: newest first, in cursor pages, filtered by action and actor (kept in the
// address, so a filtered view is a link), each entry's detail in a dialog. Actors and
// targets read by name (an email, a key's name, a job's kind) with a link to the object;
// the raw reference is the tooltip, and what the filter takes.
import { get, withQuery } from '../api.js';
import { html, useEffect, useState, Dialog, Pager, ProblemNote, go, usePages, when } from '../ui.js';

// Where an actor or target reference leads in this UI, if anywhere.
function linkOf(ref, action) {
  const [kind, id] = ref.split(/:(.*)/s);
  if (action.startsWith('job.') && !id) return `#/jobs/${encodeURIComponent(ref)}`;
  if (kind === 'user') return `#/users/${encodeURIComponent(id)}`;
  if (kind === 'api_key') return '#/keys';
  return null;
}

function Named({ reference, name, action }) {
  const link = linkOf(reference, action);
  const shown = name || reference;
  if (link && name) return html`<a href=${link} title=${reference}>${shown}</a>`;
  return html`<code title=${reference}>${shown}</code>`;
}

export function Audit({ params }) {
  const action = params.get('action') || '';
  const actor = params.get('actor') || '';
  const [draft, setDraft] = useState({ action, actor });
  useEffect(() => setDraft({ action, actor }), [action, actor]);
  const [shown, setShown] = useState(null);
  const pages = usePages((cursor) => get('/api/admin/audit', { cursor, action, actor, limit: 25 }), [action, actor]);
  const filter = (event) => {
    event.preventDefault();
    go(withQuery('/audit', { action: draft.action.trim(), actor: draft.actor.trim() }));
  };
  return html`<h1>Audit log</h1>
    <form class="panel" onSubmit=${filter} aria-label="Filter the audit log">
      <div class="fields">
        <div class="field"><label for="audit-action">Action</label>
          <input id="audit-action" placeholder="user.role_changed" value=${draft.action}
            onInput=${(e) => setDraft({ ...draft, action: e.target.value })} /></div>
        <div class="field"><label for="audit-actor">Actor</label>
          <input id="audit-actor" placeholder="user:<id>" value=${draft.actor}
            onInput=${(e) => setDraft({ ...draft, actor: e.target.value })} /></div>
        <div class="actions">
          <button class="primary" type="submit">Filter</button>
          <button type="button" onClick=${() => { setDraft({ action: '', actor: '' }); go('/audit'); }}>Clear</button>
        </div>
      </div>
    </form>
    <${ProblemNote} problem=${pages.problem} />
    <table>
      <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th>
        <th scope="col">Target</th><th scope="col">Detail</th></tr></thead>
      <tbody>${pages.items.map((entry) => html`<tr key=${entry.id} data-entry=${entry.id}>
        <td>${when(entry.at)}</td>
        <td><${Named} reference=${entry.actor} name=${entry.actor_name} action="" />
          ${' '}<button type="button" class="link" aria-label=${`only these: entries by ${entry.actor_name || entry.actor}`}
            onClick=${() => go(withQuery('/audit', { action, actor: entry.actor }))}>only these</button></td>
        <td>${entry.action}</td>
        <td><${Named} reference=${entry.target} name=${entry.target_name} action=${entry.action} /></td>
        <td><button type="button" aria-label=${`Detail of ${entry.action} at ${when(entry.at)}`}
          onClick=${() => setShown(entry)}>Detail</button></td>
      </tr>`)}</tbody>
    </table>
    ${!pages.loading && !pages.items.length && html`<p class="hint">No entries match.</p>`}
    <${Pager} pages=${pages} label="Audit log" />
    <${Dialog} open=${Boolean(shown)} title=${shown ? `${shown.action}` : ''} onClose=${() => setShown(null)}>
      ${shown && html`<dl class="facts">
          <dt>When</dt><dd>${when(shown.at)}</dd>
          <dt>Actor</dt><dd>${shown.actor_name ? `${shown.actor_name} ` : ''}<code>${shown.actor}</code></dd>
          <dt>Target</dt><dd>${shown.target_name ? `${shown.target_name} ` : ''}<code>${shown.target}</code></dd>
          <dt>Entry</dt><dd><code>${shown.id}</code></dd>
        </dl>
        <pre aria-label="Entry detail">${JSON.stringify(shown.detail, null, 2)}</pre>
        <div class="actions"><button type="button" onClick=${() => setShown(null)}>Close</button></div>`}
    </${Dialog}>`;
}

// What the shell lists in its navigation (app.js), in `order`, for callers with `scope`.
export const screen = { path: 'audit', title: 'Audit log', scope: 'admin', order: 70, view: Audit };
