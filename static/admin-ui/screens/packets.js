// Packets: upload a CSV or JSON-lines file; its job then runs live on the job's page.
import { upload } from '../api.js';
import { html, useState, Field, go, useSubmit } from '../ui.js';

export function Packets() {
  const [file, setFile] = useState(null);
  const form = useSubmit(async () => {
    const data = new FormData();
    data.append('file', file, file.name);
    const accepted = await upload('/api/v1/packets', data);
    go(`/jobs/${encodeURIComponent(accepted.job_id)}`);
  });
  return html`<h1>Packets</h1>
    <form class="panel" onSubmit=${form.submit} aria-label="Upload a packet">
      <${Field} label="Packet file (CSV or JSON lines)" id="packet-file" problem=${form.problem}
        hint="CSV header: inspection,subject,key,value,unit — one row per reading. JSON lines: one object per reading with those fields.">
        ${(a) => html`<input ...${a} type="file" required accept=".csv,.jsonl,.ndjson,text/csv,application/x-ndjson"
          onChange=${(e) => setFile(e.target.files[0] || null)} />`}
      </${Field}>
      <div class="actions"><button class="primary" type="submit" disabled=${!file || form.busy}>Upload and validate</button></div>
    </form>`;
}

// What the shell lists in its navigation (app.js), in `order`, for callers with `scope`.
export const screen = { path: 'packets', title: 'Packets', scope: 'inspections:write', order: 50, view: Packets };
