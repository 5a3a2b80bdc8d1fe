// Jobs: for admins, every job in a filtered list (live while any runs) with a failed job's
// error and a Retry; for everyone, a way to reach a job by its id; and one job's page, live
// over its WebSocket (status, progress, summary, error), its findings browsed a page at a
// time, and the report's downloads.
import { followJob, get, may, post, withQuery } from '../api.js';
import {
  html, useEffect, useRef, useState, Field, Pager, ProblemNote, go, usePages, when,
} from '../ui.js';

const JOBS = '/api/v1/jobs';
const ENDS = { 4401: 'Your session ended: sign in again.', 4403: 'You may not read jobs.', 4404: 'There is no such job.' };

function Findings({ findings }) {
  if (!findings.length) return html`<p>No findings.</p>`;
  return html`<table>
    <caption class="vh">Findings</caption>
    <thead><tr><th scope="col">Rule</th><th scope="col">Key</th><th scope="col">Value</th>
      <th scope="col">Severity</th><th scope="col">Message</th></tr></thead>
    <tbody>${findings.map((f, i) => html`<tr key=${i}><td>${f.rule_name}</td><td><code>${f.key}</code></td>
      <td>${JSON.stringify(f.value)}</td><td>${f.severity}</td><td>${f.message}</td></tr>`)}</tbody>
  </table>`;
}

function Summary({ result }) {
  const facts = Object.entries(result).filter(([name]) => name !== 'findings');
  if (!facts.length) return null;
  return html`<dl class="facts" aria-label="Summary">${facts.map(([name, value]) => html`
    <dt>${name.replaceAll('_', ' ')}</dt><dd>${typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>`)}
  </dl>`;
}

const SEVERITIES = ['error', 'warning'];

// A finished job's findings, filtered by rule, severity and inspection, a page at a time.
export function FindingsBrowser({ id }) {
  const [filters, setFilters] = useState({ rule: '', severity: '', inspection: '' });
  const [draft, setDraft] = useState(filters);
  const pages = usePages(
    (cursor) => get(`${JOBS}/${encodeURIComponent(id)}/findings`, { cursor, limit: 25, ...filters }),
    [id, JSON.stringify(filters)],
  );
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.target.value });
  const apply = (event) => {
    event.preventDefault();
    setFilters({ ...draft, inspection: draft.inspection.trim(), rule: draft.rule.trim() });
  };
  return html`<section aria-labelledby=${`findings-${id}`}>
    <h3 id=${`findings-${id}`}>Findings</h3>
    <form class="panel" role="search" aria-label="Filter the findings" onSubmit=${apply}>
      <div class="fields">
        <div class="field"><label for="finding-severity">Severity</label>
          <select id="finding-severity" value=${draft.severity}
            onChange=${(e) => { const next = { ...draft, severity: e.target.value }; setDraft(next); setFilters(next); }}>
            <option value="">any</option>${SEVERITIES.map((s) => html`<option value=${s}>${s}</option>`)}
          </select></div>
        <div class="field"><label for="finding-rule">Rule id</label>
          <input id="finding-rule" maxlength="64" value=${draft.rule} onInput=${set('rule')} /></div>
        <div class="field"><label for="finding-inspection">Inspection</label>
          <input id="finding-inspection" maxlength="200" value=${draft.inspection} onInput=${set('inspection')} /></div>
        <div class="actions"><button class="primary" type="submit">Filter</button></div>
      </div>
    </form>
    <${ProblemNote} problem=${pages.problem} />
    <table aria-labelledby=${`findings-${id}`}>
      <thead><tr><th scope="col">Line</th><th scope="col">Inspection</th><th scope="col">Rule</th>
        <th scope="col">Key</th><th scope="col">Value</th><th scope="col">Severity</th><th scope="col">Message</th></tr></thead>
      <tbody>${pages.items.map((f) => html`<tr key=${f.position} data-position=${f.position}>
        <td>${f.line ?? '—'}</td><td><code>${f.inspection}</code></td>
        <td><button type="button" class="link" title=${f.rule}
          aria-label=${`${f.rule_name}: only this rule`}
          onClick=${() => { const next = { ...filters, rule: f.rule }; setDraft(next); setFilters(next); }}>${f.rule_name}</button></td>
        <td><code>${f.key}</code></td><td>${JSON.stringify(f.value)}</td><td>${f.severity}</td><td>${f.message}</td>
      </tr>`)}</tbody>
    </table>
    ${!pages.loading && !pages.items.length && html`<p class="hint">No findings match.</p>`}
    <${Pager} pages=${pages} label="Findings" />
  </section>`;
}

export function JobView({ id, onEnd }) {
  const [job, setJob] = useState(null);
  const [updates, setUpdates] = useState([]);
  const [end, setEnd] = useState(null);
  const [reconnecting, setReconnecting] = useState(0);
  const last = useRef(-1);
  useEffect(() => {
    setJob(null);
    setUpdates([]);
    setEnd(null);
    const stop = followJob(id, {
      onFrame: (frame) => {
        if (frame.type === 'snapshot') {
          last.current = frame.sequence;
          setReconnecting(0);
        } else if (frame.sequence <= last.current) {
          return; // already shown
        } else {
          last.current = frame.sequence;
        }
        setJob(frame.job);
        setUpdates((seen) => [...seen, frame]);
      },
      onEnd: (event) => {
        setEnd(event);
        onEnd?.();
      },
      onReconnect: setReconnecting,
    });
    return stop;
  }, [id]);
  const done = job && job.status === 'done';
  const refused = end && end.code !== 1000 ? (ENDS[end.code] || end.reason || `The feed closed (${end.code}).`) : null;
  return html`<section class="panel" aria-labelledby=${`job-${id}-title`}>
    <h2 id=${`job-${id}-title`}>Job <code>${id}</code></h2>
    ${refused && html`<p class="problem" role="alert">${refused}</p>`}
    ${reconnecting > 0 && !end && html`<p class="hint" role="status">Connection lost; reconnecting (try ${reconnecting})…</p>`}
    ${job && html`
      <dl class="facts">
        <dt>Kind</dt><dd>${job.kind.replaceAll('_', ' ')}</dd>
        <dt>Status</dt><dd><span role="status" aria-label="Job status">${job.status}</span></dd>
        <dt>Progress</dt><dd>
          <progress aria-label="Job progress" max=${Math.max(job.total, 1)} value=${job.total ? job.processed : done ? 1 : 0}></progress>
          ${' '}${job.processed} / ${job.total}</dd>
        <dt>Started</dt><dd>${when(job.started_at)}</dd>
        <dt>Finished</dt><dd>${when(job.finished_at)}</dd>
        ${job.error && html`<dt>Error</dt><dd class="problem">${job.error}</dd>`}
      </dl>
      ${end?.code === 1000 && html`<p class="ok">The job has ended: ${job.status}.</p>`}
      <h3>Summary</h3>
      <${Summary} result=${job.result} />
      ${done && job.kind === 'validate_inspection' && html`<h3>Findings</h3><${Findings} findings=${job.result.findings || []} />`}
      ${done && job.kind === 'validate_packet' && html`<${FindingsBrowser} id=${id} />`}
      ${done && html`<p class="actions">Report:
        <a href=${`${JOBS}/${encodeURIComponent(id)}/report?format=csv`} download>Download CSV</a>
        <a href=${`${JOBS}/${encodeURIComponent(id)}/report?format=json`} download>Download JSON</a></p>`}
      <h3>Progress updates</h3>
      <ol class="updates" aria-label="Progress updates">${updates.map((frame) => html`<li key=${`${frame.type}-${frame.sequence}`}>
        ${frame.type} ${frame.sequence}: ${frame.job.status}, ${frame.job.processed} / ${frame.job.total}</li>`)}</ol>`}
  </section>`;
}

export function Job({ id }) {
  return html`<h1>Job</h1><p><a href="#/jobs">Find another job</a></p><${JobView} id=${id} />`;
}

const STATUSES = ['queued', 'running', 'done', 'failed'];
const LIVE_SECONDS = 3;

// What a job works on, as a link: an inspection's page, or the job itself for a packet.
function Target({ job }) {
  const inspection = job.payload?.inspection_id;
  if (inspection) return html`<a href=${`#/inspections/${encodeURIComponent(inspection)}`}>inspection</a>`;
  return html`<span class="hint">${job.total} rows</span>`;
}

function JobRow({ job, onRetried }) {
  const [problem, setProblem] = useState(null);
  const retry = async () => {
    try {
      const again = await post(`/api/admin/jobs/${encodeURIComponent(job.id)}/retry`);
      onRetried(again);
    } catch (error) {
      setProblem(error);
    }
  };
  const live = job.status === 'running' || job.status === 'queued';
  return html`<tr data-job=${job.id}>
    <td><a href=${`#/jobs/${encodeURIComponent(job.id)}`} title=${job.id}>${when(job.created_at)}</a></td>
    <td>${job.kind.replaceAll('_', ' ')}</td>
    <td><span class=${`badge ${{ done: 'good', failed: 'bad', running: 'warn' }[job.status] || ''}`}>${job.status}</span>
      ${live && job.total > 0 && html` <progress aria-label=${`Progress of job ${job.id}`} max=${job.total} value=${job.processed}></progress>`}</td>
    <td>${job.attempts}</td>
    <td><${Target} job=${job} /></td>
    <td><code title=${job.started_by || ''}>${job.started_by || '—'}</code></td>
    <td>${job.error && html`<span class="problem">${job.error}</span>`}
      ${job.retry_of && html`<span class="hint"> retries <a href=${`#/jobs/${encodeURIComponent(job.retry_of)}`}>a failed job</a></span>`}
      ${problem && html`<${ProblemNote} problem=${problem} />`}</td>
    <td>${job.status === 'failed' && html`<button type="button" onClick=${retry}
      aria-label=${`Retry job ${job.id}`}>Retry</button>`}</td>
  </tr>`;
}

// Every job, newest first, filtered by status and kind from the address (`#/jobs?status=failed`),
// reloaded every LIVE_SECONDS while a job on the page is queued or running.
function JobList({ params }) {
  const status = params.get('status') || '';
  const kind = params.get('kind') || '';
  const [kindDraft, setKindDraft] = useState(kind);
  const pages = usePages((cursor) => get('/api/admin/jobs', { cursor, status, kind, limit: 25 }), [status, kind]);
  const running = pages.items.some((j) => j.status === 'running' || j.status === 'queued');
  const reload = useRef(pages.refresh);
  reload.current = pages.refresh;
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => { if (!document.hidden) reload.current(); }, LIVE_SECONDS * 1000);
    return () => clearInterval(timer);
  }, [running]);
  const show = (next) => go(withQuery('/jobs', { status, kind, ...next }));
  return html`<section aria-labelledby="job-list-title">
    <h2 id="job-list-title">Every job</h2>
    <form class="panel" role="search" aria-label="Filter the jobs" onSubmit=${(e) => { e.preventDefault(); show({ kind: kindDraft.trim() }); }}>
      <div class="fields">
        <div class="field"><label for="job-status">Status</label>
          <select id="job-status" value=${status} onChange=${(e) => show({ status: e.target.value })}>
            <option value="">any</option>${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
          </select></div>
        <div class="field"><label for="job-kind">Kind</label>
          <input id="job-kind" placeholder="validate_packet" maxlength="50" value=${kindDraft}
            onInput=${(e) => setKindDraft(e.target.value)} /></div>
        <div class="actions"><button class="primary" type="submit">Filter</button>
          <button type="button" onClick=${() => { setKindDraft(''); go('/jobs'); }}>Clear</button></div>
      </div>
    </form>
    <${ProblemNote} problem=${pages.problem} />
    <table aria-labelledby="job-list-title">
      <thead><tr><th scope="col">Accepted</th><th scope="col">Kind</th><th scope="col">Status</th>
        <th scope="col">Attempts</th><th scope="col">Works on</th><th scope="col">Started by</th>
        <th scope="col">Error</th><th scope="col"><span class="vh">Actions</span></th></tr></thead>
      <tbody>${pages.items.map((job) => html`<${JobRow} key=${job.id} job=${job}
        onRetried=${(again) => go(`/jobs/${encodeURIComponent(again.id)}`)} />`)}</tbody>
    </table>
    ${!pages.loading && !pages.items.length && html`<p class="hint">No jobs match.</p>`}
    <${Pager} pages=${pages} label="Jobs" />
  </section>`;
}

export function Jobs({ me, params }) {
  const [id, setId] = useState('');
  const [problem, setProblem] = useState(null);
  const open = async (event) => {
    event.preventDefault();
    try {
      await get(`${JOBS}/${encodeURIComponent(id.trim())}`);
      go(`/jobs/${encodeURIComponent(id.trim())}`);
    } catch (error) {
      setProblem(error);
    }
  };
  return html`<h1>Jobs</h1>
    ${may(me, 'admin') && html`<${JobList} params=${params} />`}
    <form class="panel" onSubmit=${open} aria-label="Find a job">
      <div class="fields">
        <${Field} label="Job id" id="job-id" problem=${problem}>
          ${(a) => html`<input ...${a} required value=${id} onInput=${(e) => setId(e.target.value)} />`}
        </${Field}>
        <button class="primary" type="submit">Open job</button>
      </div>
      <p class="hint">Packet uploads and submitted inspections link to their job.</p>
    </form>`;
}

// What the shell lists in its navigation (app.js), in `order`, for callers with `scope`.
export const screen = { path: 'jobs', title: 'Jobs', scope: 'jobs:read', order: 60, view: Jobs, item: Job };
