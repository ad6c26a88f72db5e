// Usage upload: a file of usage records (NDJSON or CSV) read in the browser and posted in batches of
// 1,000 (the API's limit), with progress and every rejected record listed by its line. A record sent
// again counts as a duplicate, so sending a file again after a failure doubles nothing. This moves to
// the presigned usage-file upload (POST .../usage-files) when the API has it.

import { useRef, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { csvRecords, ndjsonRecords } from "../lib/csv.js";
import { number } from "../lib/format.js";
import { describeError } from "../lib/errors.js";
import { Facts, Page, Section } from "../components/page.js";
import { DataTable } from "../components/table.js";
import { Notice, Progress } from "../components/status.js";

const BATCH_SIZE = 1000;
const FIELDS = ["record_id", "iccid", "service", "quantity", "occurred_at"];
const SHOWN_REJECTIONS = 200;

/** [{line, record}] of a usage file, by its name: .csv, else NDJSON. */
function usageRecords(name, text) {
  if (/\.csv$/i.test(name)) {
    return csvRecords(text, FIELDS).map(({ line, ...fields }) => ({ line, record: fields }));
  }
  return ndjsonRecords(text);
}

function UsageUpload({ account }) {
  const [file, setFile] = useState(null);
  const [problem, setProblem] = useState(null);
  const [progress, setProgress] = useState(null);
  const [running, setRunning] = useState(false);
  const controller = useRef(null);
  const input = useRef(null);

  const read = async (event) => {
    setProblem(null);
    setProgress(null);
    setFile(null);
    const chosen = event.target.files[0];
    if (!chosen) return;
    try {
      const records = usageRecords(chosen.name, await chosen.text());
      if (!records.length) throw new Error("The file holds no records.");
      setFile({ name: chosen.name, records });
    } catch (error) {
      setProblem(error.message);
    }
  };

  const send = async () => {
    controller.current = new AbortController();
    setRunning(true);
    const total = { sent: 0, accepted: 0, duplicates: 0, rejected: [], error: null, done: false };
    setProgress({ ...total });
    for (let start = 0; start < file.records.length; start += BATCH_SIZE) {
      const batch = file.records.slice(start, start + BATCH_SIZE);
      try {
        const { data } = await api.post(
          accountPath(account.id, "usage"),
          { records: batch.map((entry) => entry.record) },
          { signal: controller.current.signal },
        );
        total.accepted += data.accepted;
        total.duplicates += data.duplicates;
        total.rejected.push(...data.rejected.map((rejection) => ({ ...rejection, line: batch[rejection.index].line })));
        total.sent += batch.length;
        setProgress({ ...total });
      } catch (error) {
        total.error = error.name === "AbortError" ? "Stopped." : describeError(error);
        break;
      }
    }
    total.done = !total.error;
    setProgress({ ...total });
    setRunning(false);
  };

  const reset = () => {
    setFile(null);
    setProgress(null);
    if (input.current) input.current.value = "";
  };

  return html`<${Page} title="Usage" subtitle="Upload usage records from your mediation system.">
    <div class="field">
      <label for="usage-file">Usage file</label>
      <p class="hint" id="usage-file-hint">
        NDJSON (one JSON object per line) or CSV with the header <code>${FIELDS.join(",")}</code>. Service is DATA (MB) or SMS
        (messages); <code>occurred_at</code> in RFC 3339, e.g. 2026-10-20T08:00:00Z.
      </p>
      <input
        id="usage-file"
        ref=${input}
        type="file"
        accept=".ndjson,.jsonl,.json,.csv,application/x-ndjson,text/csv"
        aria-describedby="usage-file-hint"
        onChange=${read}
        disabled=${running}
      />
    </div>
    ${problem && html`<div class="notice error" role="alert"><p>${problem}</p></div>`}
    ${file &&
    !progress &&
    html`<p>${file.name}: ${number(file.records.length)} records, sent in ${Math.ceil(file.records.length / BATCH_SIZE)} batches.</p>
      <button type="button" class="primary" onClick=${send}>Upload ${number(file.records.length)} records</button>`}
    ${progress &&
    html`<${Section} title="Upload">
      <${Progress} label=${`Records sent: ${number(progress.sent)} of ${number(file.records.length)}`} value=${progress.sent} max=${file.records.length} />
      <${Facts}
        items=${[
          ["Accepted", number(progress.accepted)],
          ["Duplicates (sent before)", number(progress.duplicates)],
          ["Rejected", number(progress.rejected.length)],
        ]}
      />
      ${running && html`<button type="button" onClick=${() => controller.current.abort()}>Stop</button>`}
      ${progress.error &&
      html`<div class="notice error" role="alert">
        <p>${progress.error} ${number(progress.sent)} records were sent.</p>
        <p>Send the file again to go on: records sent before count as duplicates, nothing is counted twice.</p>
      </div>`}
      ${progress.done && html`<${Notice} kind="good">Upload complete.</${Notice}>`}
      ${!running && html`<button type="button" onClick=${reset}>Upload another file</button>`}
    </${Section}>`}
    ${progress?.rejected.length > 0 &&
    html`<${Section} title="Rejected records">
      <${DataTable}
        caption="Rejected records"
        rowKey=${(rejection) => rejection.line}
        rows=${progress.rejected.slice(0, SHOWN_REJECTIONS)}
        columns=${[
          { label: "Line", render: (rejection) => rejection.line, numeric: true },
          { label: "Record", render: (rejection) => rejection.record_id ?? "—" },
          { label: "Reason", render: (rejection) => html`<code>${rejection.reason}</code>` },
          { label: "Message", render: (rejection) => rejection.message },
        ]}
      />
      ${progress.rejected.length > SHOWN_REJECTIONS && html`<p>…and ${number(progress.rejected.length - SHOWN_REJECTIONS)} more.</p>`}
    </${Section}>`}
  </${Page}>`;
}

export const routes = [{ path: "/accounts/:accountId/usage", view: UsageUpload, inAccount: true, tab: "usage" }];
