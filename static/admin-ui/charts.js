// Charts over time, drawn by uPlot on a canvas (no eval, no inline style sheet: it styles
// its elements through the CSSOM, which the page's CSP allows), each with its numbers as a
// table behind a toggle: the text alternative screen readers and copy-paste need.
import uPlot from './vendor/uplot.esm.js';
import { html, useEffect, useId, useRef, useState } from './ui.js';

// The theme's colours, read from the stylesheet: a canvas cannot use CSS variables.
function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || 'gray';
}

// Days are UTC days (the API counts by them); minutes and hours read in the viewer's zone.
const LABELS = {
  hour: { hour: '2-digit', minute: '2-digit' },
  day: { month: 'short', day: 'numeric', timeZone: 'UTC' },
};

export function label(iso, step) {
  const options = LABELS[step] || { hour: '2-digit', minute: '2-digit' };
  return new Date(iso).toLocaleString(undefined, options);
}

// `points`: [{start (ISO), <series key>: count, ...}]; `series`: [{key, label, colour}]
// (a CSS variable's name); `step` names how a time reads in the table (`minute`, `hour`,
// `day`). One line a series, with a dot per point.
export function TimeChart({ title, points, series, step, height = 220 }) {
  const box = useRef(null);
  const plot = useRef(null);
  const tableId = useId('chart-table');
  const [asTable, setAsTable] = useState(false);
  const data = [
    points.map((p) => Date.parse(p.start) / 1000),
    ...series.map((s) => points.map((p) => p[s.key] ?? 0)),
  ];
  useEffect(() => {
    const width = Math.max(box.current.clientWidth, 280);
    const axis = { stroke: colour('--muted'), grid: { stroke: colour('--line'), width: 1 }, ticks: { stroke: colour('--line') } };
    const options = {
      width,
      height,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max, 1)] } },
      ...(step === 'day' ? { tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC') } : {}),
      axes: [axis, { ...axis, size: 48 }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: colour(s.colour),
          width: 2,
          points: { show: true, size: 4, fill: colour(s.colour) },
        })),
      ],
    };
    plot.current = new uPlot(options, data, box.current);
    const resized = () => plot.current?.setSize({ width: Math.max(box.current.clientWidth, 280), height });
    addEventListener('resize', resized);
    return () => {
      removeEventListener('resize', resized);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [series.map((s) => s.key).join(), step, height]);
  useEffect(() => { plot.current?.setData(data); }, [JSON.stringify(data)]);
  const total = (key) => points.reduce((sum, p) => sum + (p[key] ?? 0), 0);
  const summary = series.map((s) => `${s.label} ${total(s.key)}`).join(', ');
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div class="chart-canvas" ref=${box} role="img" aria-label=${`${title}: ${summary}`}></div>
    <ul class="legend" aria-hidden="true">${series.map((s) => html`<li key=${s.key}>
      <span class=${`swatch ${s.colour.slice(2)}`}></span>${s.label}</li>`)}</ul>
    <button type="button" class="link" aria-expanded=${asTable} aria-controls=${tableId}
      onClick=${() => setAsTable(!asTable)}>${asTable ? 'Hide the numbers' : 'Show the numbers'}</button>
    <div id=${tableId} hidden=${!asTable}>
      <table>
        <caption class="vh">${title}</caption>
        <thead><tr><th scope="col">${step === 'day' ? 'Day' : 'Time'}</th>
          ${series.map((s) => html`<th scope="col" key=${s.key}>${s.label}</th>`)}</tr></thead>
        <tbody>${points.map((p) => html`<tr key=${p.start}><th scope="row">${label(p.start, step)}</th>
          ${series.map((s) => html`<td key=${s.key}>${p[s.key] ?? 0}</td>`)}</tr>`)}</tbody>
      </table>
    </div>
  </figure>`;
}
