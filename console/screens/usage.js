// Usage files: the browser asks for an upload (POST .../usage-files), PUTs the file straight to its
// presigned URL with a progress bar (the file never passes through the API, so it may be large), and the
// file's page follows its ingestion until it is COMPLETED or FAILED: lines read, accepted, duplicates,
// rejected, and the rejections file (its first records shown in the page, all of it downloadable).
// The API lists no usage files: the files uploaded from this tab are remembered in sessionStorage.

import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { href, navigate } from "../lib/router.js";
import { count, dateTime, number } from "../lib/format.js";
import { describeError } from "../lib/errors.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { DataTable } from "../components/table.js";
import { Badge, ErrorNotice, Loading, Notice, Progress } from "../components/status.js";

const FIELDS = ["record_id", "iccid", "service", "quantity", "occurred_at"];
const MAX_BYTES = 1024 ** 3;
const FINAL = ["COMPLETED", "FAILED"];
const POLL_MS = 1000;
const SHOWN_REJECTIONS = 100;
// An upload URL lives 300 seconds: one this close to its end is not started with.
const URL_MARGIN_MS = 20_000;

const FAILURES = {
  file_too_large: "The file is larger than 1 GB.",
  file_empty: "The file is empty.",
  not_text: "The file is not UTF-8 text.",
  not_ndjson: "The file is not NDJSON: a line is not a JSON object.",
  no_csv_header: `The CSV file does not start with the header ${FIELDS.join(",")}.`,
};

function formatOf(name) {
  return /\.csv$/i.test(name) ? "csv" : "ndjson";
}

function megabytes(size) {
  return size < 1024 * 1024 ? `${number(size / 1024, 1)} KB` : `${number(size / 1024 / 1024, 1)} MB`;
}

function remembered(accountId) {
  return JSON.parse(sessionStorage.getItem(`console.usage-files.${accountId}`) || "[]");
}

function remember(accountId, entry) {
  const entries = [entry, ...remembered(accountId).filter((other) => other.id !== entry.id)].slice(0, 20);
  sessionStorage.setItem(`console.usage-files.${accountId}`, JSON.stringify(entries));
}

/** PUT the file to its presigned URL, reporting bytes sent; resolves when S3 has it. */
function put(url, file, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () =>
      request.status >= 200 && request.status < 300 ? resolve() : reject(new Error(`The storage refused the file (${request.status}).`));
    request.onerror = () => reject(new Error("The upload was cut off: the storage could not be reached."));
    request.onabort = () => reject(new Error("Stopped."));
    signal.addEventListener("abort", () => request.abort());
    // As a Blob without a type: the URL carries everything the upload needs, no Content-Type is sent.
    request.send(file.slice(0, file.size, ""));
  });
}

function UsageUpload({ account }) {
  const [file, setFile] = useState(null);
  const [format, setFormat] = useState("ndjson");
  const [problem, setProblem] = useState(null);
  const [upload, setUpload] = useState(null); // {id, url, expiresAt, sent, error}
  const [running, setRunning] = useState(false);
  const controller = useRef(null);
  const key = useRef(crypto.randomUUID());
  const earlier = remembered(account.id);

  const choose = (event) => {
    setProblem(null);
    setUpload(null);
    key.current = crypto.randomUUID();
    const chosen = event.target.files[0] || null;
    setFile(chosen);
    if (!chosen) return;
    setFormat(formatOf(chosen.name));
    if (chosen.size === 0) setProblem("The file is empty.");
    else if (chosen.size > MAX_BYTES) setProblem(`The file is ${megabytes(chosen.size)}: a usage file may hold up to 1 GB.`);
  };

  const send = async () => {
    controller.current = new AbortController();
    setRunning(true);
    let current = upload;
    try {
      // A new upload URL unless the last attempt's is still good (a retry of a cut-off upload).
      if (!current?.url || !(Date.parse(current.expiresAt) - Date.now() >= URL_MARGIN_MS)) {
        const { data } = await api.post(accountPath(account.id, "usage-files"), { format }, { idempotencyKey: key.current });
        key.current = crypto.randomUUID();
        current = { id: data.id, url: data.upload_url, expiresAt: data.expires_at, sent: 0, error: null };
      }
      current = { ...current, sent: 0, error: null };
      setUpload(current);
      await put(current.url, file, (sent) => setUpload((state) => ({ ...state, sent })), controller.current.signal);
      remember(account.id, { id: current.id, name: file.name, size: file.size, at: new Date().toISOString() });
      navigate(`/accounts/${account.id}/usage/files/${current.id}`);
    } catch (error) {
      // The API refused the upload: a retry is a new request. Unknown (the network failed): the same key.
      if (error.status) key.current = crypto.randomUUID();
      setUpload({ ...(current || {}), sent: 0, error: error.status === undefined ? error.message : describeError(error) });
    } finally {
      setRunning(false);
    }
  };

  const blocked = !file || problem || running;
  return html`<${Page} title="Usage" subtitle="Upload usage records from your mediation system.">
    <${Section} title="Upload a usage file">
      <div class="form">
        <div class=${`field ${problem ? "has-error" : ""}`}>
          <label for="usage-file">Usage file</label>
          <p class="hint" id="usage-file-hint">
            NDJSON (one JSON object per line) or CSV with the header <code>${FIELDS.join(",")}</code>, UTF-8, up to 1 GB. Service is DATA (MB) or SMS
            (messages); <code>occurred_at</code> in RFC 3339, e.g. 2026-10-20T08:00:00Z. A record sent before counts as a duplicate, so a file may be sent
            again.
          </p>
          <input
            id="usage-file"
            type="file"
            accept=".ndjson,.jsonl,.json,.csv,application/x-ndjson,text/csv"
            aria-describedby=${problem ? "usage-file-hint usage-file-error" : "usage-file-hint"}
            aria-invalid=${problem ? "true" : undefined}
            onChange=${choose}
            disabled=${running}
          />
          ${problem && html`<p id="usage-file-error" class="field-error">${problem}</p>`}
        </div>
        <div class="field narrow">
          <label for="usage-format">Format</label>
          <select id="usage-format" onChange=${(event) => setFormat(event.target.value)} disabled=${running}>
            <option value="ndjson" selected=${format === "ndjson"}>NDJSON</option>
            <option value="csv" selected=${format === "csv"}>CSV</option>
          </select>
        </div>
        ${upload &&
        !upload.error &&
        file &&
        html`<${Progress} label=${`Uploaded: ${megabytes(upload.sent)} of ${megabytes(file.size)}`} value=${upload.sent} max=${file.size} />`}
        ${upload?.error &&
        html`<div class="notice error" role="alert">
          <p>${upload.error}</p>
          <p>The file is still chosen: upload it again to go on.</p>
        </div>`}
        <div class="form-actions">
          <button type="button" class="primary" onClick=${send} disabled=${blocked}>
            ${running ? "Uploading…" : file ? `Upload ${file.name} (${megabytes(file.size)})` : "Upload"}
          </button>
          ${running && html`<button type="button" onClick=${() => controller.current.abort()}>Stop</button>`}
        </div>
      </div>
    </${Section}>
    <${Section} title="Uploaded from this browser tab">
      ${earlier.length === 0
        ? html`<p class="muted">None yet. A file's page shows its ingestion: counts, and the records refused.</p>`
        : html`<${DataTable}
            caption="Usage files uploaded"
            rows=${earlier}
            columns=${[
              { label: "File", render: (entry) => html`<a href=${href(`/accounts/${account.id}/usage/files/${entry.id}`)}>${entry.name}</a>` },
              { label: "Size", render: (entry) => megabytes(entry.size), numeric: true },
              { label: "Uploaded", render: (entry) => dateTime(entry.at) },
            ]}
          />`}
    </${Section}>
  </${Page}>`;
}

/** The first records of the rejections file (NDJSON of {line, record_id, reason, message}). */
function useRejections(url) {
  const [state, setState] = useState({ rows: null, error: null });
  const wanted = Boolean(url);
  useEffect(() => {
    if (!wanted) return undefined;
    let current = true;
    fetch(url)
      .then((response) => {
        if (!response.ok) throw new Error(`The rejections file did not load (${response.status}).`);
        return response.text();
      })
      .then((text) => {
        const rows = text
          .split("\n")
          .filter((line) => line.trim())
          .slice(0, SHOWN_REJECTIONS)
          .map((line) => JSON.parse(line));
        if (current) setState({ rows, error: null });
      })
      .catch((error) => current && setState({ rows: null, error }));
    return () => {
      current = false;
    };
  }, [wanted]);
  return state;
}

function Rejections({ usageFile }) {
  const shown = useRejections(usageFile.rejections_url);
  return html`<${Section} title="Rejected records">
    <p>
      <a class="button" href=${usageFile.rejections_url} download=${`${usageFile.id}-rejections.ndjson`}>
        Download the rejections (NDJSON, ${count(usageFile.rejected, "record")})
      </a>
      <span class="muted"> The link works for 5 minutes; reload the page for a new one.</span>
    </p>
    ${shown.error && html`<${ErrorNotice} error=${shown.error} />`}
    ${!shown.rows && !shown.error && html`<${Loading} what="Loading the rejections" />`}
    ${shown.rows &&
    html`<${DataTable}
        caption="Rejected records"
        rowKey=${(rejection) => rejection.line}
        rows=${shown.rows}
        columns=${[
          { label: "Line", render: (rejection) => rejection.line, numeric: true },
          { label: "Record", render: (rejection) => rejection.record_id ?? "—" },
          { label: "Reason", render: (rejection) => html`<code>${rejection.reason}</code>` },
          { label: "Message", render: (rejection) => rejection.message },
        ]}
      />
      ${usageFile.rejected > shown.rows.length && html`<p>The first ${number(shown.rows.length)} of ${number(usageFile.rejected)}: the file has them all.</p>`}`}
  </${Section}>`;
}

/** A usage file, polled until its ingestion is final. */
function UsageFileDetail({ account, params }) {
  const usageFile = useResource(accountPath(account.id, "usage-files", params.fileId));
  const data = usageFile.data;
  useEffect(() => {
    if (!data || FINAL.includes(data.status)) return undefined;
    const timer = setTimeout(usageFile.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [data]);
  if (usageFile.error?.status === 404) return html`<${NotFound} what="usage file" />`;
  if (usageFile.error && !data) return html`<${ErrorNotice} error=${usageFile.error} retry=${usageFile.reload} />`;
  if (!data) return html`<${Loading} what="Loading the usage file" />`;
  const name = remembered(account.id).find((entry) => entry.id === data.id)?.name;
  const final = FINAL.includes(data.status);
  return html`<${Page} title=${`Usage file ${name || data.id}`} subtitle=${`${data.format.toUpperCase()} · uploaded ${dateTime(data.created_at)}`}>
    <div class="run-status" aria-live="polite">
      <p>
        Status: <${Badge} value=${data.status} />
        ${data.status === "WAITING" && html`<span class="muted"> waiting for the file to arrive…</span>`}
        ${data.status === "PROCESSING" && html`<span class="muted"> reading the file, updating every second…</span>`}
      </p>
      ${!final && html`<progress aria-label="Ingesting the usage file"></progress>`}
    </div>
    <${Facts}
      items=${[
        ["Lines read", number(data.lines)],
        ["Accepted", number(data.accepted)],
        ["Duplicates (sent before)", number(data.duplicates)],
        ["Rejected", number(data.rejected)],
        ["Last update", dateTime(data.updated_at)],
      ]}
    />
    ${usageFile.error && html`<${ErrorNotice} error=${usageFile.error} retry=${usageFile.reload} />`}
    ${data.status === "FAILED" &&
    html`<div class="notice error" role="alert">
      <p><strong>The file was not ingested.</strong> ${FAILURES[data.failure] || data.failure_message || data.failure}</p>
      <p>Correct it and upload it again: nothing of it was counted.</p>
    </div>`}
    ${data.status === "COMPLETED" && html`<${Notice} kind="good">Ingested: every record of the file is accepted, a duplicate, or rejected.</${Notice}>`}
    ${data.rejections_url && html`<${Rejections} usageFile=${data} />`}
    <p><a class="button" href=${href(`/accounts/${account.id}/usage`)}>Upload another file</a></p>
  </${Page}>`;
}

export const routes = [
  { path: "/accounts/:accountId/usage", view: UsageUpload, inAccount: true, tab: "usage" },
  { path: "/accounts/:accountId/usage/files/:fileId", view: UsageFileDetail, inAccount: true, tab: "usage" },
];
