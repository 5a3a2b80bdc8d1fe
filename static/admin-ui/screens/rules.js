// Validation rules: list, create, edit, delete, enable or disable. The form's parameter
// fields follow the kind; a refused parameter (a bad regex, min above max) is marked on
// its own field with the server's reason.
import { get, ifMatch, may, post, put, remove } from '../api.js';
import {
  html, useState, Confirm, Field, Pager, ProblemNote, usePages, useSubmit,
} from '../ui.js';

const RULES = '/api/v1/rules';
// Each kind's parameters: [name, label, input type].
const KINDS = {
  required: [],
  min: [['min', 'Minimum', 'number']],
  max: [['max', 'Maximum', 'number']],
  range: [['min', 'Minimum', 'number'], ['max', 'Maximum', 'number']],
  one_of: [['options', 'Allowed values (one per line)', 'lines']],
  regex: [['pattern', 'Pattern (RE2, whole value)', 'text']],
  equals: [['expected', 'Expected value', 'text']],
};
const BLANK = { name: '', key: '', kind: 'required', params: {}, severity: 'error', enabled: true, description: '' };

function paramsText(rule) {
  return Object.entries(rule.params).map(([name, value]) => `${name}: ${JSON.stringify(value)}`).join('; ');
}

function asParams(kind, fields) {
  const params = {};
  for (const [name, , type] of KINDS[kind]) {
    const raw = fields[name] ?? '';
    if (type === 'number') params[name] = raw === '' ? null : Number(raw);
    else if (type === 'lines') params[name] = String(raw).split('\n').map((s) => s.trim()).filter(Boolean);
    else params[name] = raw;
  }
  return params;
}

function asFields(rule) {
  const fields = {};
  for (const [name, , type] of KINDS[rule.kind]) {
    const value = rule.params[name];
    fields[name] = type === 'lines' ? (value || []).join('\n') : value ?? '';
  }
  return fields;
}

function RuleForm({ rule, onSaved, onCancel }) {
  const [draft, setDraft] = useState({ ...BLANK, ...rule });
  const [fields, setFields] = useState(rule ? asFields(rule) : {});
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const form = useSubmit(async () => {
    const body = {
      name: draft.name, key: draft.key, kind: draft.kind, severity: draft.severity,
      enabled: draft.enabled, description: draft.description, params: asParams(draft.kind, fields),
    };
    const saved = rule
      ? await put(`${RULES}/${encodeURIComponent(rule.id)}`, body, ifMatch(rule.version))
      : await post(RULES, body);
    onSaved(saved);
  });
  const names = ['name', 'key', 'kind', ...KINDS[draft.kind].map(([name]) => name)];
  const at = form.problem && (form.problem.status === 409 && !rule ? 'name' : form.problem.field(names));
  const problemOf = (name) => (at === name ? form.problem : null);
  const prefix = rule ? `rule-${rule.id}` : 'rule-new';
  return html`<form class="panel" onSubmit=${form.submit} aria-labelledby=${`${prefix}-title`}>
    <h2 id=${`${prefix}-title`}>${rule ? `Edit ${rule.name}` : 'New rule'}</h2>
    <div class="fields">
      <${Field} label="Name" id=${`${prefix}-name`} problem=${problemOf('name')}>
        ${(a) => html`<input ...${a} required maxlength="200" value=${draft.name} onInput=${set('name')} />`}
      </${Field}>
      <${Field} label="Reading key" id=${`${prefix}-key`} problem=${problemOf('key')}>
        ${(a) => html`<input ...${a} required maxlength="200" value=${draft.key} onInput=${set('key')} />`}
      </${Field}>
      <${Field} label="Kind" id=${`${prefix}-kind`} problem=${problemOf('kind')}>
        ${(a) => html`<select ...${a} value=${draft.kind} onChange=${(e) => { set('kind')(e); setFields({}); form.setProblem(null); }}>
          ${Object.keys(KINDS).map((kind) => html`<option value=${kind}>${kind}</option>`)}
        </select>`}
      </${Field}>
      ${KINDS[draft.kind].map(([name, label, type]) => html`<${Field} key=${name} label=${label}
          id=${`${prefix}-${name}`} problem=${problemOf(name)} wide=${type === 'lines'}>
        ${(a) => (type === 'lines'
          ? html`<textarea ...${a} required value=${fields[name] ?? ''} onInput=${(e) => setFields({ ...fields, [name]: e.target.value })} />`
          : html`<input ...${a} required type=${type === 'number' ? 'number' : 'text'} step="any"
              value=${fields[name] ?? ''} onInput=${(e) => setFields({ ...fields, [name]: e.target.value })} />`)}
      </${Field}>`)}
      <${Field} label="Severity" id=${`${prefix}-severity`}>
        ${(a) => html`<select ...${a} value=${draft.severity} onChange=${set('severity')}>
          <option value="error">error</option><option value="warning">warning</option></select>`}
      </${Field}>
      <div class="field"><label><input type="checkbox" checked=${draft.enabled} onChange=${set('enabled')} /> Enabled</label></div>
      <${Field} label="Description" id=${`${prefix}-description`} wide>
        ${(a) => html`<textarea ...${a} maxlength="2000" value=${draft.description} onInput=${set('description')} />`}
      </${Field}>
    </div>
    ${form.problem && !at && html`<${ProblemNote} problem=${form.problem} />`}
    <div class="actions">
      <button class="primary" type="submit" disabled=${form.busy}>${rule ? 'Save rule' : 'Create rule'}</button>
      ${onCancel && html`<button type="button" onClick=${onCancel}>Cancel</button>`}
    </div>
  </form>`;
}

export function Rules({ me }) {
  const writer = may(me, 'rules:write');
  const pages = usePages((cursor) => get(RULES, { cursor, limit: 50 }), []);
  const [editing, setEditing] = useState(null);
  const [deleting, setDeleting] = useState(null);
  const [formKey, setFormKey] = useState(0);
  const [rowProblem, setRowProblem] = useState(null);
  const del = useSubmit(async () => {
    await remove(`${RULES}/${encodeURIComponent(deleting.id)}`, ifMatch(deleting.version));
    setDeleting(null);
    pages.reload();
  });
  const toggle = async (rule) => {
    const { id, version, created_at, updated_at, ...body } = rule;
    try {
      await put(`${RULES}/${encodeURIComponent(id)}`, { ...body, enabled: !rule.enabled }, ifMatch(version));
      setRowProblem(null);
    } catch (error) {
      setRowProblem(error);
    }
    pages.reload();
  };
  const saved = () => {
    setEditing(null);
    setFormKey(formKey + 1);
    pages.reload();
  };
  return html`<h1>Rules</h1>
    ${writer && (editing
      ? html`<${RuleForm} key=${editing.id} rule=${editing} onSaved=${saved} onCancel=${() => setEditing(null)} />`
      : html`<${RuleForm} key=${`new-${formKey}`} onSaved=${saved} />`)}
    <h2>Rules</h2>
    <${ProblemNote} problem=${pages.problem || rowProblem} />
    <table>
      <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Kind</th>
        <th scope="col">Parameters</th><th scope="col">Severity</th><th scope="col">Enabled</th>
        ${writer && html`<th scope="col">Actions</th>`}</tr></thead>
      <tbody>${pages.items.map((rule) => html`<tr key=${rule.id}>
        <td>${rule.name}</td><td><code>${rule.key}</code></td><td>${rule.kind}</td>
        <td><code>${paramsText(rule)}</code></td><td>${rule.severity}</td>
        <td>${rule.enabled ? 'yes' : 'no'}</td>
        ${writer && html`<td class="actions">
          <button type="button" aria-label=${`Edit ${rule.name}`} onClick=${() => setEditing(rule)}>Edit</button>
          <button type="button" aria-label=${`${rule.enabled ? 'Disable' : 'Enable'} ${rule.name}`}
            onClick=${() => toggle(rule)}>${rule.enabled ? 'Disable' : 'Enable'}</button>
          <button type="button" class="danger" aria-label=${`Delete ${rule.name}`}
            onClick=${() => { del.setProblem(null); setDeleting(rule); }}>Delete</button>
        </td>`}
      </tr>`)}</tbody>
    </table>
    ${!pages.loading && !pages.items.length && html`<p class="hint">No rules yet.</p>`}
    <${Pager} pages=${pages} label="Rules" />
    <${Confirm} open=${Boolean(deleting)} title=${`Delete ${deleting?.name || ''}?`}
      message="Inspections judged from now on no longer meet this rule."
      action="Delete rule" onConfirm=${del.submit} onClose=${() => setDeleting(null)} problem=${del.problem} />`;
}

// What the shell lists in its navigation (app.js), in `order`, for callers with `scope`.
export const screen = { path: 'rules', title: 'Rules', scope: 'rules:read', order: 30, view: Rules };
