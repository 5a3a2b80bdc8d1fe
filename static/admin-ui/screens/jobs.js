// Jobs: one job's page, live over its WebSocket (status, progress, summary, error, the
// report's downloads), and a way to reach any job by its id.
import { followJob, get } from '../api.js';
import { html, useEffect, useRef, useState, Field, ProblemNote, go, when } from '../ui.js';

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

export function Jobs() {
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
