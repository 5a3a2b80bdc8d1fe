// The Overview, the landing screen: each dependency's health, the queue and the worker, jobs
// ended per minute over the last hour, then each area's panels (its own charts). Refreshed
// every REFRESH_SECONDS without reloading the page.
import { get, listPanels, may } from '../api.js';
import { TimeChart } from '../charts.js';
import { html, useEffect, useState, ProblemNote, when } from '../ui.js';

const REFRESH_SECONDS = 15;

// Answers of /healthz, 503 included: its body tells what is down.
async function health() {
  const response = await fetch('/healthz', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  return response.json();
}

function useEvery(seconds) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => { if (!document.hidden) setTick((n) => n + 1); }, seconds * 1000);
    return () => clearInterval(timer);
  }, [seconds]);
  return tick;
}

// Loads `load()` now and at every tick; keeps the last answer through a failed refresh.
export function useLive(load, tick, deps = []) {
  const [state, setState] = useState({ value: null, problem: null, at: null });
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setState({ value, problem: null, at: new Date() }),
      (problem) => live && setState((before) => ({ ...before, problem })),
    );
    return () => { live = false; };
  }, [tick, ...deps]);
  return state;
}

function Health({ tick }) {
  const { value, problem } = useLive(health, tick);
  if (!value) return html`<${ProblemNote} problem=${problem} />`;
  return html`<section aria-labelledby="health-title">
    <h2 id="health-title">Components</h2>
    <ul class="tiles">${Object.entries(value.checks).map(([name, check]) => html`<li key=${name} data-check=${name}>
      <span class="name">${name}${check.critical === false ? ' (not critical)' : ''}</span>
      <span class="value">${check.status === 'up'
        ? html`<span class="badge good">up</span>`
        : html`<span class="badge bad">down</span>`}</span>
      ${' '}<span class="hint">${check.latency_ms} ms${check.detail ? ` · ${check.detail}` : ''}</span>
    </li>`)}</ul>
  </section>`;
}

function ago(iso) {
  if (!iso) return 'none alive';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return seconds < 90 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

const OUTCOMES = [
  { key: 'done', label: 'Done', colour: '--ok' },
  { key: 'failed', label: 'Failed', colour: '--danger' },
  { key: 'retried', label: 'Retried', colour: '--warn' },
];

function Jobs({ tick }) {
  const { value, problem } = useLive(() => get('/api/admin/overview'), tick);
  if (!value) return html`<${ProblemNote} problem=${problem} />`;
  const ended = (key) => value.jobs_per_minute.reduce((sum, m) => sum + m[key], 0);
  return html`<section aria-labelledby="jobs-title">
    <h2 id="jobs-title">Jobs</h2>
    <ul class="tiles">
      <li data-tile="queue"><span class="name">Waiting in the queue</span>
        <span class="value">${value.queue_depth ?? 'unknown'}</span></li>
      <li data-tile="worker"><span class="name">Worker heartbeat</span>
        <span class="value">${ago(value.worker_last_beat)}</span></li>
      <li data-tile="jobs-done"><span class="name">Done, last hour</span><span class="value">${ended('done')}</span></li>
      <li data-tile="jobs-failed"><span class="name">Failed, last hour</span>
        <span class="value">${ended('failed')}</span>
        ${ended('failed') > 0 && html`<a class="hint" href="#/jobs?status=failed">See the failed jobs</a>`}</li>
    </ul>
    <${TimeChart} title="Jobs ended per minute, last hour" points=${value.jobs_per_minute}
      series=${OUTCOMES} step="minute" />
  </section>`;
}

export function Overview({ me, params }) {
  const tick = useEvery(REFRESH_SECONDS);
  const [panels, setPanels] = useState([]);
  const [at, setAt] = useState(new Date());
  useEffect(() => { listPanels().then(setPanels); }, []);
  useEffect(() => { setAt(new Date()); }, [tick]);
  return html`<h1>Overview</h1>
    <p class="hint">Updated ${when(at.toISOString())}; refreshed every ${REFRESH_SECONDS} s.</p>
    <${Health} tick=${tick} />
    ${may(me, 'admin') && html`<${Jobs} tick=${tick} />`}
    ${panels.filter((p) => may(me, p.scope)).map((Panel) => html`<${Panel.view} key=${Panel.order}
      me=${me} params=${params} tick=${tick} />`)}`;
}

// What the shell lists in its navigation (app.js), in `order`, for callers with `scope`:
// first, so it is where a sign-in lands.
export const screen = { path: 'overview', title: 'Overview', scope: 'jobs:read', order: 0, view: Overview };
