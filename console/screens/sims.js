// A customer's SIMs: the list, adding one, adding many from a CSV file, and a SIM's page with its status
// history (changes dated later shown as scheduled). The CSV goes in SIM batches (POST .../sim-batches).

import { useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { useAll } from "../lib/lookups.js";
import { href } from "../lib/router.js";
import { csvRecords } from "../lib/csv.js";
import { date, number, todayUtc } from "../lib/format.js";
import { describeError } from "../lib/errors.js";
import { Field, Form, Select, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { DataTable, PagedTable, usePagedList } from "../components/table.js";
import { Badge, ErrorNotice, Loading, Notice, Progress } from "../components/status.js";

function productOptions(products) {
  return [
    { value: "", label: "Choose a product" },
    ...products.items.filter((product) => product.status === "ACTIVE").map((product) => ({ value: product.id, label: `${product.code} — ${product.name}` })),
  ];
}

/** The first ICCIDs available in the account's stock, offered as the ICCID field's suggestions. */
const SUGGESTED_ICCIDS = 500;

function AddSim({ account, customer, products, onAdded }) {
  const form = useForm({ iccid: "", product_id: "", activation_date: todayUtc() });
  const available = useAll(accountPath(account.id, "sim-stock"), { status: "AVAILABLE" }, { max: SUGGESTED_ICCIDS });
  const [taken, setTaken] = useState([]); // added since the suggestions were loaded
  const save = () =>
    form
      .submit(async (values, idempotencyKey) => {
        const body = { ...values, iccid: values.iccid.replace(/\s/g, "") };
        return (await api.post(accountPath(account.id, "customers", customer.id, "sims"), body, { idempotencyKey })).data;
      })
      .then((sim) => {
        if (sim) {
          setTaken((iccids) => [...iccids, sim.iccid]);
          form.replace((values) => ({ ...values, iccid: "" }));
          onAdded(`SIM ${sim.iccid} added.`);
        }
      });
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Add SIM" className="inline-form">
    <div class="row">
      <${Field}
        form=${form}
        name="iccid"
        label="ICCID"
        required
        inputmode="numeric"
        autocomplete="off"
        list="available-iccids"
        hint="19 or 20 digits, from your SIM stock"
      />
      <datalist id="available-iccids">${available.items
          .filter((entry) => !taken.includes(entry.iccid))
          .map((entry) => html`<option key=${entry.iccid} value=${entry.iccid} />`)}</datalist>
      <${Select} form=${form} name="product_id" label="Product" required options=${productOptions(products)} />
      <${Field} form=${form} name="activation_date" label="Activation date" type="date" required />
    </div>
  </${Form}>`;
}

const SIM_COLUMNS = ["iccid", "product_code", "activation_date"];
const BATCH_SIZE = 1000;
const SHOWN_ROWS = 200;

/**
 * SIMs from a CSV file (iccid, product_code or product_id, activation_date), sent in SIM batches of up
 * to 1,000: each SIM is added or refused on its own, and every row shows which. Each batch has its
 * Idempotency-Key from the moment the file is read, so sending again after a failure replays the
 * batches that got through instead of adding their SIMs twice.
 */
function BulkSims({ account, customer, products, onAdded }) {
  const [file, setFile] = useState(null);
  const [problem, setProblem] = useState(null);
  const [sending, setSending] = useState(false);

  const read = async (event) => {
    setProblem(null);
    setFile(null);
    const chosen = event.target.files[0];
    if (!chosen) return;
    try {
      const records = csvRecords(await chosen.text(), ["iccid", "activation_date"]);
      if (!records.length) throw new Error("The file holds no SIMs.");
      const byCode = Object.fromEntries(products.items.map((product) => [product.code, product.id]));
      const rows = records.map((record) => {
        const productId = record.product_id || byCode[record.product_code] || "";
        return {
          line: record.line,
          iccid: record.iccid.replace(/\s/g, ""),
          activation_date: record.activation_date,
          product_id: productId,
          product_label: record.product_code || record.product_id,
          // A code the account has no product for is refused here: the API would only see an empty id.
          outcome: productId ? null : { added: false, reason: "product_not_found", message: `No product has the code “${record.product_code}”.` },
        };
      });
      const batches = Math.ceil(rows.length / BATCH_SIZE);
      setFile({ name: chosen.name, rows, keys: Array.from({ length: batches }, () => crypto.randomUUID()), sent: 0, error: null });
    } catch (error) {
      setProblem(error.message);
    }
  };

  const send = async () => {
    setSending(true);
    const rows = [...file.rows];
    let sent = file.sent;
    let error = null;
    for (let batch = sent / BATCH_SIZE; batch < file.keys.length; batch += 1) {
      const slice = rows.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE);
      const posted = slice.filter((row) => !row.outcome);
      try {
        if (posted.length) {
          const body = { sims: posted.map(({ iccid, product_id, activation_date }) => ({ iccid, product_id, activation_date })) };
          const path = accountPath(account.id, "customers", customer.id, "sim-batches");
          const { data } = await api.post(path, body, { idempotencyKey: file.keys[batch] });
          const refused = new Map(data.rejected.map((rejection) => [rejection.index, rejection]));
          posted.forEach((row, index) => {
            const rejection = refused.get(index);
            row.outcome = rejection ? { added: false, reason: rejection.reason, message: rejection.message } : { added: true };
          });
        }
        sent += slice.length;
        setFile((current) => ({ ...current, rows, sent }));
      } catch (failure) {
        error = describeError(failure);
        break;
      }
    }
    setFile((current) => ({ ...current, rows, sent, error }));
    setSending(false);
    const added = rows.filter((row) => row.outcome?.added).length;
    if (!error) onAdded(`${number(added)} of ${number(rows.length)} SIMs added from the file.`);
  };

  const rows = file?.rows || [];
  const finished = file && file.sent === rows.length;
  const refused = rows.filter((row) => row.outcome && !row.outcome.added);
  const shown = finished ? [...refused, ...rows.filter((row) => row.outcome?.added)].slice(0, SHOWN_ROWS) : [];
  return html`<div class="bulk">
    <div class="field">
      <label for="sim-csv">Add SIMs from a CSV file</label>
      <p class="hint" id="sim-csv-hint">
        Columns <code>${SIM_COLUMNS.join(",")}</code> (or <code>product_id</code> instead of the code); dates YYYY-MM-DD. Every ICCID must be in your SIM
        stock. Up to ${number(BATCH_SIZE)} SIMs a request; larger files go in several.
      </p>
      <input id="sim-csv" type="file" accept=".csv,text/csv" aria-describedby="sim-csv-hint" onChange=${read} disabled=${sending} />
    </div>
    ${problem && html`<div class="notice error" role="alert"><p>${problem}</p></div>`}
    ${file &&
    file.sent === 0 &&
    !sending &&
    !file.error &&
    html`<p>${file.name}: ${number(rows.length)} SIMs.</p>
      <button type="button" class="primary" onClick=${send}>Add ${number(rows.length)} SIMs</button>`}
    ${file &&
    (sending || file.sent > 0) &&
    html`<${Progress} label=${`SIMs sent: ${number(file.sent)} of ${number(rows.length)}`} value=${file.sent} max=${rows.length} />`}
    ${file?.error &&
    html`<div class="notice error" role="alert">
      <p>${file.error} ${number(file.sent)} of ${number(rows.length)} SIMs were sent.</p>
      <button type="button" onClick=${send} disabled=${sending}>Send the rest again</button>
    </div>`}
    ${finished &&
    html`<div aria-live="polite">
      <p class="bulk-summary">
        <strong>${number(rows.length - refused.length)} added</strong>, <strong>${number(refused.length)} not added</strong>.
      </p>
      <${DataTable}
        caption="SIMs from the file"
        rowKey=${(row) => row.line}
        rows=${shown}
        columns=${[
          { label: "Line", render: (row) => row.line, numeric: true },
          { label: "ICCID", render: (row) => row.iccid },
          { label: "Product", render: (row) => row.product_label },
          { label: "Result", render: (row) => html`<${Badge} value=${row.outcome.added ? "ADDED" : "NOT_ADDED"} />` },
          { label: "Why", render: (row) => (row.outcome.added ? "" : html`${row.outcome.message} <code>${row.outcome.reason}</code>`) },
        ]}
      />
      ${rows.length > shown.length && html`<p>The first ${number(shown.length)} of ${number(rows.length)} rows, those not added first.</p>`}
    </div>`}
  </div>`;
}

/** The SIMs section of a customer's page. */
export function CustomerSims({ account, customer }) {
  const path = accountPath(account.id, "customers", customer.id, "sims");
  const list = usePagedList(path);
  const products = useAll(accountPath(account.id, "products"));
  const [notice, setNotice] = useState(null);
  const added = (message) => {
    setNotice(message);
    list.reload();
  };
  const base = `/accounts/${account.id}/customers/${customer.id}/sims`;
  const columns = [
    { label: "ICCID", render: (sim) => html`<a href=${href(`${base}/${sim.iccid}`)}>${sim.iccid}</a>` },
    { label: "Product", render: (sim) => products.byId[sim.product_id]?.name || sim.product_id },
    { label: "Activated", render: (sim) => date(sim.activation_date) },
    { label: "Status", render: (sim) => html`<${Badge} value=${sim.status} />` },
  ];
  return html`
    ${notice && html`<${Notice} kind="good">${notice}</${Notice}>`}
    <${PagedTable} list=${list} caption="SIMs" columns=${columns} rowKey=${(sim) => sim.iccid} empty=${html`<p>No SIMs yet.</p>`} />
    ${customer.status === "ACTIVE" &&
    (products.loading
      ? html`<${Loading} what="Loading products" />`
      : products.items.length === 0
        ? html`<p>Create a <a href=${href(`/accounts/${account.id}/products/new`)}>product</a> first: every SIM is on one.</p>`
        : html`<details class="disclosure">
              <summary>Add a SIM</summary>
              <${AddSim} account=${account} customer=${customer} products=${products} onAdded=${added} />
            </details>
            <details class="disclosure">
              <summary>Add SIMs from a file</summary>
              <${BulkSims} account=${account} customer=${customer} products=${products} onAdded=${added} />
            </details>`)}
  `;
}

const STATUSES = ["ACTIVE", "SUSPENDED", "RETIRED"];

function StatusChange({ account, params, sim, onChanged }) {
  const form = useForm({ status: sim.status === "ACTIVE" ? "SUSPENDED" : "ACTIVE", effective_date: todayUtc() });
  const save = () =>
    form
      .submit(async (values) => (await api.post(accountPath(account.id, "customers", params.customerId, "sims", sim.iccid, "status"), values)).data)
      .then((changed) => changed && onChanged(changed));
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Change status" className="inline-form">
    <div class="row">
      <${Select}
        form=${form}
        name="status"
        label="New status"
        options=${STATUSES.filter((status) => status !== sim.status).map((status) => ({ value: status, label: status.toLowerCase() }))}
        hint="RETIRED is final."
      />
      <${Field}
        form=${form}
        name="effective_date"
        label="Effective date"
        type="date"
        required
        hint="Today or earlier takes effect now; a later date schedules the change."
      />
    </div>
  </${Form}>`;
}

function SimDetail({ account, params }) {
  const sim = useResource(accountPath(account.id, "customers", params.customerId, "sims", params.iccid));
  const products = useAll(accountPath(account.id, "products"));
  if (sim.error?.status === 404) return html`<${NotFound} what="SIM" />`;
  if (sim.error) return html`<${ErrorNotice} error=${sim.error} retry=${sim.reload} />`;
  if (!sim.data) return html`<${Loading} what="Loading the SIM" />`;
  const data = sim.data;
  const product = products.byId[data.product_id];
  return html`<${Page} title=${`SIM ${data.iccid}`} subtitle=${html`<a href=${href(`/accounts/${account.id}/customers/${data.customer_id}`)}>Back to the customer</a>`}>
    <${Facts}
      items=${[
        ["Status", html`<${Badge} value=${data.status} />`],
        ["Product", product ? `${product.code} — ${product.name}` : data.product_id],
        ["Activation date", date(data.activation_date)],
      ]}
    />
    <${Section} title="Status history">
      <${DataTable}
        caption="Status history"
        rowKey=${(change) => `${change.effective_date}-${change.status}`}
        rows=${data.history}
        columns=${[
          { label: "From", render: (change) => date(change.effective_date) },
          { label: "Status", render: (change) => html`<${Badge} value=${change.status} />` },
          { label: "State", render: (change) => (change.scheduled ? html`<${Badge} value="SCHEDULED" />` : "in effect") },
        ]}
      />
      ${data.history.some((change) => change.scheduled) &&
      html`<p class="hint">A scheduled change takes effect on its date; until then the SIM keeps its status.</p>`}
    </${Section}>
    ${data.status !== "RETIRED" &&
    html`<${Section} title="Change the status">
      <${StatusChange} account=${account} params=${params} sim=${data} onChanged=${(changed) => sim.setData(changed)} />
    </${Section}>`}
  </${Page}>`;
}

export const routes = [{ path: "/accounts/:accountId/customers/:customerId/sims/:iccid", view: SimDetail, inAccount: true, tab: "customers" }];
