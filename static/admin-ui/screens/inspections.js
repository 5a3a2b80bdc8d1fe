// Inspections: a filtered list, a draft recorded with its readings, and one inspection's
// page where a draft is submitted and its verdict and findings are shown when judged.
import { get, may, post, withQuery } from '../api.js';
import {
  html, useEffect, useState, Field, Pager, ProblemNote, go, usePages, useSubmit, when,
} from '../ui.js';
import { JobView } from './jobs.js';
import { Attachments } from './attachments.js';

const INSPECTIONS = '/api/v1/inspections';
const STATUSES = ['draft', 'submitted', 'passed', 'failed'];

// A reading keeps its JSON type: what spells a number is sent as one, the rest as text.
function typed(value) {
  const text = value.trim();
  if (text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return value;
}

function StatusBadge({ status }) {
  const tone = { passed: 'good', failed: 'bad', submitted: 'warn' }[status] || '';
  return html`<span class=${`badge ${tone}`}>${status}</span>`;
}

function NewInspection({ onCreated }) {
  const [subject, setSubject] = useState('');
  const [inspector, setInspector] = useState('');
  const [notes, setNotes] = useState('');
  const [readings, setReadings] = useState([{ key: '', value: '', unit: '' }]);
  const form = useSubmit(async () => {
    const body = {
      subject, notes, inspector: inspector || null,
      readings: readings.filter((r) => r.key).map((r) => ({ key: r.key, value: typed(r.value), unit: r.unit || null })),
    };
    onCreated(await post(INSPECTIONS, body));
  });
  const edit = (index, name) => (e) => setReadings(readings.map((r, i) => (i === index ? { ...r, [name]: e.target.value } : r)));
  const at = form.problem && form.problem.field(['subject', 'inspector', 'notes']);
  return html`<form class="panel" onSubmit=${form.submit} aria-labelledby="new-inspection-title">
    <h2 id="new-inspection-title">New draft</h2>
    <div class="fields">
      <${Field} label="Subject" id="inspection-subject" problem=${at === 'subject' && form.problem}>
        ${(a) => html`<input ...${a} required maxlength="500" value=${subject} onInput=${(e) => setSubject(e.target.value)} />`}
      </${Field}>
      <${Field} label="Inspector" id="inspection-inspector" problem=${at === 'inspector' && form.problem}>
        ${(a) => html`<input ...${a} maxlength="200" value=${inspector} onInput=${(e) => setInspector(e.target.value)} />`}
      </${Field}>
      <${Field} label="Notes" id="inspection-notes" wide problem=${at === 'notes' && form.problem}>
        ${(a) => html`<textarea ...${a} maxlength="10000" value=${notes} onInput=${(e) => setNotes(e.target.value)} />`}
      </${Field}>
    </div>
    <table class="readings">
      <caption class="hint">Readings: a value that spells a number is sent as a number.</caption>
      <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Unit</th><th scope="col"><span class="vh">Remove</span></th></tr></thead>
      <tbody>${readings.map((r, i) => html`<tr key=${i}>
        <td><input aria-label=${`Reading ${i + 1} key`} value=${r.key} onInput=${edit(i, 'key')} /></td>
        <td><input aria-label=${`Reading ${i + 1} value`} value=${r.value} onInput=${edit(i, 'value')} /></td>
        <td><input aria-label=${`Reading ${i + 1} unit`} value=${r.unit} onInput=${edit(i, 'unit')} /></td>
        <td><button type="button" aria-label=${`Remove reading ${i + 1}`}
          onClick=${() => setReadings(readings.filter((_, j) => j !== i))}>Remove</button></td>
      </tr>`)}</tbody>
    </table>
    ${form.problem && !at && html`<${ProblemNote} problem=${form.problem} />`}
    <div class="actions">
      <button type="button" onClick=${() => setReadings([...readings, { key: '', value: '', unit: '' }])}>Add reading</button>
      <button class="primary" type="submit" disabled=${form.busy}>Save draft</button>
    </div>
  </form>`;
}

const FILTERS = ['status', 'q', 'verdict', 'since', 'until'];

// The list's filters live in the address (`#/inspections?q=pump&verdict=failed`): a
// filtered view is a link, and survives a reload. Dates are days, from the start of
// `since` to the end of `until`, in the browser's time zone.
function filtersOf(params) {
  return Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || '']));
}

function dayStart(day, plus = 0) {
  if (!day) return '';
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plus).toISOString();
}

function InspectionFilters({ filters }) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [JSON.stringify(filters)]);
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.target.value });
  const show = (chosen) => go(withQuery('/inspections', { ...chosen, q: chosen.q.trim() }));
  // A choice from a list applies at once; typed text and dates when the form is sent.
  const pick = (name) => (e) => show({ ...draft, [name]: e.target.value });
  const apply = (event) => {
    event.preventDefault();
    show(draft);
  };
  return html`<form class="panel" role="search" aria-label="Filter inspections" onSubmit=${apply}>
    <div class="fields">
      <div class="field"><label for="inspection-q">Search</label>
        <input id="inspection-q" type="search" maxlength="200" aria-describedby="inspection-q-hint" value=${draft.q} onInput=${set('q')} />
        <p class="hint" id="inspection-q-hint">in subjects, any case</p></div>
      <div class="field"><label for="inspection-status">Status</label>
        <select id="inspection-status" value=${draft.status} onChange=${pick('status')}>
          <option value="">all</option>
          ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select></div>
      <div class="field"><label for="inspection-verdict">Verdict</label>
        <select id="inspection-verdict" value=${draft.verdict} onChange=${pick('verdict')}>
          <option value="">any</option><option value="passed">passed</option><option value="failed">failed</option>
        </select></div>
      <div class="field"><label for="inspection-since">Made from</label>
        <input id="inspection-since" type="date" value=${draft.since} onInput=${set('since')} /></div>
      <div class="field"><label for="inspection-until">Made until</label>
        <input id="inspection-until" type="date" value=${draft.until} onInput=${set('until')} /></div>
      <div class="actions">
        <button class="primary" type="submit">Filter</button>
        <button type="button" onClick=${() => go('/inspections')}>Clear</button>
      </div>
    </div>
  </form>`;
}

export function Inspections({ me, params }) {
  const filters = filtersOf(params);
  const key = JSON.stringify(filters);
  const pages = usePages((cursor) => get(INSPECTIONS, {
    cursor, limit: 25, status: filters.status, q: filters.q, verdict: filters.verdict,
    since: dayStart(filters.since), until: dayStart(filters.until, 1),
  }), [key]);
  return html`<h1>Inspections</h1>
    ${may(me, 'inspections:write') && html`<${NewInspection}
      onCreated=${(made) => go(`/inspections/${encodeURIComponent(made.id)}`)} />`}
    <h2>Inspections</h2>
    <${InspectionFilters} filters=${filters} />
    <${ProblemNote} problem=${pages.problem} />
    <table>
      <thead><tr><th scope="col">Subject</th><th scope="col">Inspector</th><th scope="col">Status</th>
        <th scope="col">Readings</th><th scope="col">Updated</th></tr></thead>
      <tbody>${pages.items.map((i) => html`<tr key=${i.id}>
        <td><a href=${`#/inspections/${encodeURIComponent(i.id)}`}>${i.subject}</a></td>
        <td>${i.inspector || '—'}</td><td><${StatusBadge} status=${i.status} /></td>
        <td>${i.readings.length}</td><td>${when(i.updated_at)}</td>
      </tr>`)}</tbody>
    </table>
    ${!pages.loading && !pages.items.length && html`<p class="hint">No inspections here.</p>`}
    <${Pager} pages=${pages} label="Inspections" />`;
}

export function Inspection({ me, id }) {
  const [inspection, setInspection] = useState(null);
  const [problem, setProblem] = useState(null);
  const [jobId, setJobId] = useState(null);
  const load = () => get(`${INSPECTIONS}/${encodeURIComponent(id)}`).then(setInspection, setProblem);
  useEffect(() => { load(); }, [id]);
  const submit = useSubmit(async () => {
    const accepted = await post(`${INSPECTIONS}/${encodeURIComponent(id)}/submit`);
    setJobId(accepted.job_id);
  });
  if (problem) return html`<h1>Inspection</h1><${ProblemNote} problem=${problem} />`;
  if (!inspection) return html`<p class="loading" role="status">Loading…</p>`;
  return html`<h1>Inspection of ${inspection.subject}</h1>
    <p><a href="#/inspections">All inspections</a></p>
    <dl class="facts">
      <dt>Status</dt><dd><${StatusBadge} status=${inspection.status} /></dd>
      <dt>Inspector</dt><dd>${inspection.inspector || '—'}</dd>
      <dt>Notes</dt><dd>${inspection.notes || '—'}</dd>
      <dt>Submitted</dt><dd>${when(inspection.submitted_at)}</dd>
      <dt>Version</dt><dd>${inspection.version}</dd>
    </dl>
    <h2>Readings</h2>
    <table>
      <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Unit</th></tr></thead>
      <tbody>${inspection.readings.map((r, i) => html`<tr key=${i}>
        <td><code>${r.key}</code></td><td>${JSON.stringify(r.value)}</td><td>${r.unit || ''}</td></tr>`)}</tbody>
    </table>
    ${inspection.status === 'draft' && may(me, 'inspections:write') && !jobId && html`<div class="actions">
      <button class="primary" type="button" onClick=${submit.submit} disabled=${submit.busy}>Submit for validation</button>
      <${ProblemNote} problem=${submit.problem} />
    </div>`}
    ${jobId && html`<h2>Validation</h2><${JobView} id=${jobId} onEnd=${load} />`}
    <${Attachments} me=${me} inspectionId=${id} />`;
}

// What the shell lists in its navigation (app.js), in `order`, for callers with `scope`.
export const screen = {
  path: 'inspections', title: 'Inspections', scope: 'inspections:read', order: 40,
  view: Inspections, item: Inspection,
};
