// An inspection's attachments: listed with links that expire, uploaded straight to the
// blob store with the ticket the API signs (progress shown), images previewed,
// downloaded, deleted. Not a screen of its own: the inspection's page shows it.
import { Problem, get, may, post, remove } from '../api.js';
import { html, useEffect, useState, Confirm, ProblemNote, useId } from '../ui.js';

const TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/csv', 'text/plain'];

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function failed(detail) {
  return new Problem(0, { detail }, new Headers());
}

// Sends the file as the ticket says: a form POST (fields first, the file last) or a PUT
// with the signed headers. XHR, not fetch: only XHR reports upload progress.
function send(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method, upload.url);
    let body = file;
    if (upload.method === 'POST') {
      body = new FormData();
      Object.entries(upload.fields).forEach(([name, value]) => body.append(name, value));
      body.append('file', file);
    } else {
      Object.entries(upload.headers).forEach(([name, value]) => xhr.setRequestHeader(name, value));
    }
    xhr.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener('load', () => (xhr.status < 300
      ? resolve()
      : reject(failed(`The store refused the upload (HTTP ${xhr.status}).`))));
    xhr.addEventListener('error', () => reject(failed(
      'The upload could not reach the store: the network, or its CORS rules (docs/attachments.md).',
    )));
    xhr.send(body);
  });
}

export function Attachments({ me, inspectionId }) {
  const base = `/api/v1/inspections/${encodeURIComponent(inspectionId)}/attachments`;
  const [items, setItems] = useState(null);
  const [problem, setProblem] = useState(null);
  const [progress, setProgress] = useState(null);
  const [doomed, setDoomed] = useState(null);
  const inputId = useId('attachment-file');
  const load = () => get(base).then((page) => { setItems(page.items); }, setProblem);
  useEffect(() => { load(); }, [inspectionId]);

  const attach = async (event) => {
    event.preventDefault();
    const file = event.target.elements.file.files[0];
    if (!file) return;
    setProblem(null);
    setProgress(0);
    try {
      const declared = await post(base, {
        filename: file.name, content_type: file.type || 'application/octet-stream',
        size: file.size, upload_method: 'POST',
      });
      await send(declared.upload, file, setProgress);
      await post(`${base}/${encodeURIComponent(declared.id)}/complete`);
      event.target.reset();
      await load();
    } catch (error) {
      setProblem(error);
    } finally {
      setProgress(null);
    }
  };
  const drop = async () => {
    try {
      await remove(`${base}/${encodeURIComponent(doomed.id)}`);
      setDoomed(null);
      await load();
    } catch (error) {
      setProblem(error);
      setDoomed(null);
    }
  };

  const writer = may(me, 'inspections:write');
  return html`<section aria-labelledby="attachments-title">
    <h2 id="attachments-title">Attachments</h2>
    ${items && !items.length && html`<p class="hint">No attachments.</p>`}
    ${items && items.length > 0 && html`<table>
      <thead><tr><th scope="col">File</th><th scope="col">Preview</th><th scope="col">Type</th>
        <th scope="col">Size</th><th scope="col">Status</th>
        ${writer && html`<th scope="col"><span class="vh">Actions</span></th>`}</tr></thead>
      <tbody>${items.map((a) => html`<tr key=${a.id}>
        <td>${a.download_url ? html`<a href=${a.download_url} download=${a.filename}>${a.filename}</a>` : a.filename}</td>
        <td>${a.download_url && a.content_type.startsWith('image/')
          ? html`<img class="thumb" src=${a.download_url} alt=${`Preview of ${a.filename}`} />` : ''}</td>
        <td>${a.content_type}</td><td>${size(a.size)}</td><td>${a.status}</td>
        ${writer && html`<td><button type="button" class="danger" aria-label=${`Delete ${a.filename}`}
          onClick=${() => setDoomed(a)}>Delete</button></td>`}
      </tr>`)}</tbody>
    </table>`}
    <${ProblemNote} problem=${problem} />
    ${writer && html`<form class="panel" onSubmit=${attach} aria-label="New attachment">
      <div class="fields">
        <div class="field">
          <label for=${inputId}>Attach a file</label>
          <input type="file" id=${inputId} name="file" required accept=${TYPES.join(',')} />
          <p class="hint">Images, PDF, CSV or plain text.</p>
        </div>
        <button class="primary" type="submit" disabled=${progress !== null}>Upload</button>
      </div>
      ${progress !== null && html`<progress max="1" value=${progress} aria-label="Upload progress"></progress>`}
    </form>`}
    <${Confirm} open=${Boolean(doomed)} title="Delete the attachment?"
      message=${doomed ? `${doomed.filename} goes, and its file with it.` : ''}
      action="Delete" onConfirm=${drop} onClose=${() => setDoomed(null)} />
  </section>`;
}
