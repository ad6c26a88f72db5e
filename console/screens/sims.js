// A customer's SIMs: the list, adding one, adding many from a CSV file, and a SIM's page with its status
// history. The CSV is sent one SIM per request for now; it moves to POST .../sim-batches (up to 1,000
// SIMs a request) when the API has it.

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

function AddSim({ account, customer, products, onAdded }) {
  const form = useForm({ iccid: "", product_id: "", activation_date: todayUtc() });
  const save = () =>
    form
      .submit(async (values, idempotencyKey) => {
        const body = { ...values, iccid: values.iccid.replace(/\s/g, "") };
        return (await api.post(accountPath(account.id, "customers", customer.id, "sims"), body, { idempotencyKey })).data;
      })
      .then((sim) => {
        if (sim) {
          form.replace((values) => ({ ...values, iccid: "" }));
          onAdded(`SIM ${sim.iccid} added.`);
        }
      });
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Add SIM" className="inline-form">
    <div class="row">
      <${Field} form=${form} name="iccid" label="ICCID" required inputmode="numeric" autocomplete="off" hint="19 or 20 digits" />
      <${Select} form=${form} name="product_id" label="Product" required options=${productOptions(products)} />
      <${Field} form=${form} name="activation_date" label="Activation date" type="date" required />
    </div>
  </${Form}>`;
}

const SIM_COLUMNS = ["iccid", "product_code", "activation_date"];

/** SIMs from a CSV file (iccid, product_code or product_id, activation_date), each sent on its own. */
function BulkSims({ account, customer, products, onAdded }) {
  const [rows, setRows] = useState(null);
  const [problem, setProblem] = useState(null);
  const [progress, setProgress] = useState(null);
  const [sending, setSending] = useState(false);

  const read = async (event) => {
    setProgress(null);
    setProblem(null);
    setRows(null);
    const file = event.target.files[0];
    if (!file) return;
    try {
      const records = csvRecords(await file.text(), ["iccid", "activation_date"]);
      const byCode = Object.fromEntries(products.items.map((product) => [product.code, product.id]));
      setRows(
        records.map((record) => ({
          line: record.line,
          iccid: record.iccid,
          activation_date: record.activation_date,
          product_id: record.product_id || byCode[record.product_code] || "",
          product_label: record.product_code || record.product_id,
        })),
      );
    } catch (error) {
      setProblem(error.message);
    }
  };

  const send = async () => {
    setSending(true);
    const results = [];
    for (const [index, row] of rows.entries()) {
      setProgress({ done: index, results: [...results] });
      try {
        const body = { iccid: row.iccid, product_id: row.product_id, activation_date: row.activation_date };
        await api.post(accountPath(account.id, "customers", customer.id, "sims"), body, { idempotencyKey: crypto.randomUUID() });
        results.push({ ...row, outcome: "Added" });
      } catch (error) {
        results.push({ ...row, outcome: describeError(error), failed: true });
      }
    }
    setProgress({ done: rows.length, results });
    setSending(false);
    onAdded(`${results.filter((result) => !result.failed).length} of ${rows.length} SIMs added from the file.`);
  };

  const failed = progress?.results.filter((result) => result.failed) || [];
  return html`<div class="bulk">
    <div class="field">
      <label for="sim-csv">Add SIMs from a CSV file</label>
      <p class="hint" id="sim-csv-hint">Columns <code>${SIM_COLUMNS.join(",")}</code> (or <code>product_id</code> instead of the code); dates YYYY-MM-DD.</p>
      <input id="sim-csv" type="file" accept=".csv,text/csv" aria-describedby="sim-csv-hint" onChange=${read} disabled=${sending} />
    </div>
    ${problem && html`<div class="notice error" role="alert"><p>${problem}</p></div>`}
    ${rows &&
    !progress &&
    html`<p>${number(rows.length)} SIMs in the file.</p>
      <button type="button" class="primary" onClick=${send} disabled=${!rows.length}>Add ${number(rows.length)} SIMs</button>`}
    ${progress && html`<${Progress} label=${`SIMs sent: ${number(progress.done)} of ${number(rows.length)}`} value=${progress.done} max=${rows.length} />`}
    ${failed.length > 0 &&
    html`<${DataTable}
      caption="SIMs not added"
      rowKey=${(row) => row.line}
      rows=${failed}
      columns=${[
        { label: "Line", render: (row) => row.line, numeric: true },
        { label: "ICCID", render: (row) => row.iccid },
        { label: "Product", render: (row) => row.product_label },
        { label: "Why", render: (row) => row.outcome },
      ]}
    />`}
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
      <${Field} form=${form} name="effective_date" label="Effective date" type="date" required />
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
        ]}
      />
    </${Section}>
    ${data.status !== "RETIRED" &&
    html`<${Section} title="Change the status">
      <${StatusChange} account=${account} params=${params} sim=${data} onChanged=${(changed) => sim.setData(changed)} />
    </${Section}>`}
  </${Page}>`;
}

export const routes = [{ path: "/accounts/:accountId/customers/:customerId/sims/:iccid", view: SimDetail, inAccount: true, tab: "customers" }];
