// The example domain's Overview panels: inspections made, handed in and judged over a chosen
// range (kept in the address: `#/overview?range=7d`), and the rules that fail most.
import { get, withQuery } from '../api.js';
import { TimeChart } from '../charts.js';
import { html, ProblemNote, go } from '../ui.js';
import { useLive } from './overview.js';

const RANGES = {
  '24h': { label: 'Last 24 hours, by hour', bucket: 'hour', hours: 24 },
  '7d': { label: 'Last 7 days, by day', bucket: 'day', hours: 24 * 7 },
  '30d': { label: 'Last 30 days, by day', bucket: 'day', hours: 24 * 30 },
};
const EVENTS = [
  { key: 'created', label: 'Made', colour: '--muted' },
  { key: 'submitted', label: 'Handed in', colour: '--accent' },
  { key: 'passed', label: 'Passed', colour: '--ok' },
  { key: 'failed', label: 'Failed', colour: '--danger' },
];

function rangeOf(params) {
  const name = params.get('range');
  return RANGES[name] ? name : '24h';
}

function since(range) {
  return new Date(Date.now() - RANGES[range].hours * 3600 * 1000).toISOString();
}

function Inspections({ params, tick }) {
  const range = rangeOf(params);
  const { bucket } = RANGES[range];
  const { value, problem } = useLive(
    () => get('/api/v1/stats/inspections', { bucket, since: since(range) }), tick, [range],
  );
  const choose = (event) => go(withQuery('/overview', { range: event.target.value }));
  return html`<section aria-labelledby="inspections-title">
    <h2 id="inspections-title">Inspections</h2>
    <div class="field"><label for="stats-range">Range</label>
      <select id="stats-range" value=${range} onChange=${choose}>
        ${Object.entries(RANGES).map(([name, r]) => html`<option key=${name} value=${name}>${r.label}</option>`)}
      </select></div>
    <${ProblemNote} problem=${problem} />
    ${value && html`
      <ul class="tiles">${EVENTS.map((e) => html`<li key=${e.key} data-tile=${e.key}>
        <span class="name">${e.label}</span><span class="value">${value.totals[e.key]}</span></li>`)}</ul>
      <${TimeChart} title=${`Inspections, ${RANGES[range].label.toLowerCase()}`} points=${value.buckets}
        series=${EVENTS} step=${bucket} />`}
  </section>`;
}

function FailingRules({ params, tick }) {
  const range = rangeOf(params);
  const { value, problem } = useLive(
    () => get('/api/v1/stats/findings', { since: since(range) }), tick, [range],
  );
  return html`<section aria-labelledby="rules-title">
    <h2 id="rules-title">Rules that fail most</h2>
    <${ProblemNote} problem=${problem} />
    ${value && (value.rules.length
      ? html`<table aria-labelledby="rules-title">
          <thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Findings</th></tr></thead>
          <tbody>${value.rules.slice(0, 10).map((r) => html`<tr key=${`${r.rule}-${r.severity}`}>
            <td>${r.rule_name ? html`<a href="#/rules" title=${r.rule}>${r.rule_name}</a>`
              : html`<span title=${r.rule}>deleted rule</span>`}</td>
            <td>${r.severity}</td><td>${r.count}</td></tr>`)}</tbody>
        </table>
        <p class="hint">Counted by day (UTC) since ${new Date(value.since).toLocaleDateString(undefined, { timeZone: 'UTC' })}.</p>`
      : html`<p class="hint">No findings in this range.</p>`)}
  </section>`;
}

function Panels(props) {
  return html`<div class="grid2"><div><${Inspections} ...${props} /></div><div><${FailingRules} ...${props} /></div></div>`;
}

// The Overview shows these panels to callers with `scope`, after its own, in `order`.
export const panels = [{ order: 10, scope: 'inspections:read', view: Panels }];
