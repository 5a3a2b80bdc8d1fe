// Pieces every screen uses: the dialog, the problem note, cursor paging, dates, fields.
import { html, useEffect, useRef, useState, useCallback } from './vendor/preact-htm.js';

export { html, useEffect, useRef, useState, useCallback };

let lastId = 0;
export function useId(prefix) {
  const ref = useRef(null);
  ref.current ??= `${prefix}-${++lastId}`;
  return ref.current;
}

export function go(hash) {
  location.hash = hash;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function ProblemNote({ problem, id }) {
  if (!problem) return null;
  return html`<p class="problem" role="alert" id=${id}>${problem.detail}</p>`;
}

// A labelled field whose problem, when it has one, is shown beside it and announced.
export function Field({ label, id, problem, hint, wide, children }) {
  const note = `${id}-problem`;
  const input = children({
    id,
    'aria-invalid': problem ? 'true' : undefined,
    'aria-describedby': problem ? note : hint ? `${id}-hint` : undefined,
  });
  return html`<div class=${wide ? 'field wide' : 'field'}>
    <label for=${id}>${label}</label>
    ${input}
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${problem && html`<p class="problem" id=${note} role="alert">${problem.detail}</p>`}
  </div>`;
}

// A native modal <dialog>, open while `open` is true; Escape or a close button ends it.
export function Dialog({ open, title, onClose, children }) {
  const ref = useRef(null);
  const titleId = useId('dialog-title');
  useEffect(() => {
    const dialog = ref.current;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  useEffect(() => {
    const dialog = ref.current;
    const closed = () => onClose();
    dialog.addEventListener('close', closed);
    return () => dialog.removeEventListener('close', closed);
  }, [onClose]);
  return html`<dialog ref=${ref} aria-labelledby=${titleId}>
    ${open && html`<h2 id=${titleId}>${title}</h2>${children}`}
  </dialog>`;
}

export function Confirm({ open, title, message, action, onConfirm, onClose, problem }) {
  return html`<${Dialog} open=${open} title=${title} onClose=${onClose}>
    <p>${message}</p>
    <${ProblemNote} problem=${problem} />
    <div class="actions">
      <button class="danger" type="button" onClick=${onConfirm}>${action}</button>
      <button type="button" onClick=${onClose}>Cancel</button>
    </div>
  </${Dialog}>`;
}

// Keyset pages: `load(cursor)` answers `{items, next_cursor}`; Previous walks back the
// cursors already seen, so paging never repeats or skips an item.
export function usePages(load, deps) {
  const [state, setState] = useState({ items: [], next: null, trail: [], cursor: null });
  const [problem, setProblem] = useState(null);
  const [loading, setLoading] = useState(true);
  // Answers can arrive out of order (a filter changed while a page loads): only the
  // latest request's answer is shown, never a superseded one over it.
  const latest = useRef(0);
  // `quiet`: a refresh in the background, which announces no "Loading…".
  const show = useCallback(async (cursor, trail, quiet = false) => {
    const request = ++latest.current;
    if (!quiet) setLoading(true);
    try {
      const page = await load(cursor);
      if (request !== latest.current) return;
      setState({ items: page.items, next: page.next_cursor, trail, cursor });
      setProblem(null);
    } catch (error) {
      if (request === latest.current) setProblem(error);
    } finally {
      if (request === latest.current) setLoading(false);
    }
  }, deps);
  useEffect(() => { show(null, []); }, [show]);
  return {
    items: state.items,
    problem,
    loading,
    reload: () => show(state.cursor, state.trail),
    refresh: () => show(state.cursor, state.trail, true),
    first: () => show(null, []),
    hasNext: Boolean(state.next),
    hasPrevious: state.trail.length > 0,
    next: () => show(state.next, [...state.trail, state.cursor]),
    previous: () => show(state.trail[state.trail.length - 1], state.trail.slice(0, -1)),
  };
}

export function Pager({ pages, label }) {
  return html`<nav class="pager" aria-label=${`${label} pages`}>
    <button type="button" disabled=${!pages.hasPrevious} onClick=${pages.previous}>Previous page</button>
    <button type="button" disabled=${!pages.hasNext} onClick=${pages.next}>Next page</button>
    ${pages.loading && html`<span class="hint" role="status">Loading…</span>`}
  </nav>`;
}

// A form's submit: runs `action`, keeps its problem, and tells whether it is busy.
export function useSubmit(action) {
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event?.preventDefault();
    setBusy(true);
    try {
      await action();
      setProblem(null);
    } catch (error) {
      if (!(error && error.status)) throw error;
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  return { submit, problem, setProblem, busy };
}
