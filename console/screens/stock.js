// SIM stock: the ICCIDs the operator allocated to a reseller, which only that reseller may assign to its
// customers. The operator adds a list of ICCIDs (up to 1,000, added while the request waits) or a range
// (up to 100,000, allocated in the background: its page follows the allocation until it completes). The
// reseller's users see the stock, read-only.

import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api, ApiError } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { useAll } from "../lib/lookups.js";
import { href, navigate } from "../lib/router.js";
import { count, dateTime, number } from "../lib/format.js";
import { Field, Form, TextArea, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { DataTable, PagedTable, usePagedList } from "../components/table.js";
import { Badge, ErrorNotice, Loading, Notice, Progress } from "../components/status.js";

const MAX_LISTED = 1000;
const MAX_RANGE = 100_000;
const POLL_MS = 1000;

const REASONS = {
  iccid_in_stock: "Already in an account's stock",
};

/** The ICCIDs of what was typed or pasted: one a line, or separated by commas, semicolons or spaces. */
function iccidsOf(text) {
  return text.split(/[\s,;]+/).filter(Boolean);
}

/** The API names a bad ICCID by its index ("iccids.3"): say which one, at the one field. */
function withLines(error, iccids) {
  if (!(error instanceof ApiError)) return error;
  const details = error.details.map((detail) => {
    const found = /^iccids\.(\d+)$/.exec(detail.field || "");
    if (!found) return detail;
    const index = Number(found[1]);
    return { ...detail, field: "iccids", message: `${iccids[index]} (number ${index + 1}): ${detail.message}.` };
  });
  return new ApiError(error.status, error.code, error.message, details);
}

function RejectedIccids({ rejected, caption = "ICCIDs not added" }) {
  return html`<${DataTable}
    caption=${caption}
    rowKey=${(row) => row.iccid}
    rows=${rejected}
    columns=${[
      { label: "ICCID", render: (row) => row.iccid },
      { label: "Why", render: (row) => REASONS[row.reason] || row.reason },
    ]}
  />`;
}

function AddList({ account, onAdded }) {
  const form = useForm({ iccids: "" });
  const [result, setResult] = useState(null);
  const typed = iccidsOf(form.value("iccids")).length;
  const save = () =>
    form
      .submit(async (values, idempotencyKey) => {
        const iccids = iccidsOf(values.iccids);
        try {
          return (await api.post(accountPath(account.id, "sim-stock"), { iccids }, { idempotencyKey })).data;
        } catch (error) {
          throw withLines(error, iccids);
        }
      })
      .then((added) => {
        if (!added) return;
        setResult(added);
        form.replace({ iccids: "" });
        onAdded();
      });
  return html`<${Form} form=${form} onSubmit=${save} submitLabel=${typed ? `Add ${count(typed, "ICCID")}` : "Add ICCIDs"}>
    <${TextArea}
      form=${form}
      name="iccids"
      label="ICCIDs"
      required
      rows="5"
      spellcheck="false"
      hint=${`One a line (or separated by commas or spaces), up to ${number(MAX_LISTED)}: 19 or 20 digits each, with a valid check digit.`}
    />
    ${result &&
    html`<div class="stock-result" aria-live="polite">
      <${Notice} kind=${result.rejected.length ? "warn" : "good"}>
        ${count(result.added, "ICCID")} added to the stock${result.rejected.length ? `, ${number(result.rejected.length)} not added.` : "."}
      </${Notice}>
      ${result.rejected.length > 0 && html`<${RejectedIccids} rejected=${result.rejected} />`}
    </div>`}
  </${Form}>`;
}

function AddRange({ account }) {
  const form = useForm({ range: { first: "", count: "" } });
  const save = () =>
    form
      .submit(async (values, idempotencyKey) => {
        const body = { range: { first: values.range.first.replace(/\s/g, ""), count: values.range.count } };
        return (await api.post(accountPath(account.id, "sim-stock"), body, { idempotencyKey })).data;
      })
      .then((allocation) => allocation && navigate(`/accounts/${account.id}/sim-stock/allocations/${allocation.id}`));
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Allocate the range">
    <div class="row">
      <${Field}
        form=${form}
        name="range.first"
        label="First ICCID"
        required
        inputmode="numeric"
        autocomplete="off"
        hint="19 or 20 digits, with a valid check digit"
      />
      <${Field}
        form=${form}
        name="range.count"
        label="How many"
        type="number"
        min="1"
        max=${MAX_RANGE}
        required
        className="narrow"
        hint=${`1–${number(MAX_RANGE)}, the first included`}
      />
    </div>
    <p class="hint">The digits before the check digit count on from the first ICCID's; each ICCID gets its own check digit. A range is added in the background.</p>
  </${Form}>`;
}

function StockList({ account, params, query, session }) {
  const status = query.get("status") || "";
  const list = usePagedList(accountPath(account.id, "sim-stock"), { status });
  const customers = useAll(accountPath(account.id, "customers"));
  const base = `/accounts/${params.accountId}`;
  const columns = [
    { label: "ICCID", render: (entry) => entry.iccid },
    { label: "Status", render: (entry) => html`<${Badge} value=${entry.status} />` },
    {
      label: "Customer",
      render: (entry) => (entry.customer_id ? html`<a href=${href(`${base}/customers/${entry.customer_id}`)}>${customers.byId[entry.customer_id]?.name || entry.customer_id}</a>` : "—"),
    },
  ];
  const operator = session.role === "operator";
  return html`<${Page}
    title="SIM stock"
    subtitle=${operator ? "The ICCIDs this reseller may assign to its customers." : "The ICCIDs the operator allocated to you: a SIM is added to a customer from here."}
  >
    ${operator &&
    html`<div class="two-up">
      <${Section} title="Add a list of ICCIDs"><${AddList} account=${account} onAdded=${list.reload} /></${Section}>
      <${Section} title="Allocate a range"><${AddRange} account=${account} /></${Section}>
    </div>`}
    <${Section} title="In stock">
      <div class="filters">
        <label for="stock-filter">Status</label>
        <select id="stock-filter" onChange=${(event) => navigate(`${base}/sim-stock`, { status: event.target.value })}>
          <option value="" selected=${!status}>All</option>
          <option value="AVAILABLE" selected=${status === "AVAILABLE"}>Available</option>
          <option value="ASSIGNED" selected=${status === "ASSIGNED"}>Assigned to a customer</option>
        </select>
      </div>
      <${PagedTable}
        list=${list}
        caption="SIM stock"
        columns=${columns}
        rowKey=${(entry) => entry.iccid}
        empty=${status ? html`<p>No ${status.toLowerCase()} ICCIDs.</p>` : html`<p>No ICCIDs in stock yet.${operator ? "" : " The operator allocates them."}</p>`}
      />
    </${Section}>
  </${Page}>`;
}

/** A range's allocation, polled until it completes. */
function AllocationDetail({ account, params }) {
  const allocation = useResource(accountPath(account.id, "sim-stock", "allocations", params.allocationId));
  const data = allocation.data;
  useEffect(() => {
    if (!data || data.status === "COMPLETED") return undefined;
    const timer = setTimeout(allocation.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [data]);
  if (allocation.error?.status === 404) return html`<${NotFound} what="allocation" />`;
  if (allocation.error && !data) return html`<${ErrorNotice} error=${allocation.error} retry=${allocation.reload} />`;
  if (!data) return html`<${Loading} what="Loading the allocation" />`;
  const done = data.status === "COMPLETED";
  return html`<${Page} title="Range allocation" subtitle=${`${number(data.count)} ICCIDs from ${data.first}`}>
    <div class="run-status" aria-live="polite">
      <p>Status: <${Badge} value=${data.status} /> ${!done && html`<span class="muted">updating every second…</span>`}</p>
      <${Progress} label=${`ICCIDs handled: ${number(data.done)} of ${number(data.count)}`} value=${data.done} max=${data.count} />
    </div>
    <${Facts}
      items=${[
        ["First ICCID", data.first],
        ["ICCIDs in the range", number(data.count)],
        ["Added to the stock", number(data.added)],
        ["Not added", number(data.rejected_count)],
        ["Started", dateTime(data.created_at)],
        ["Last update", dateTime(data.updated_at)],
      ]}
    />
    ${allocation.error && html`<${ErrorNotice} error=${allocation.error} retry=${allocation.reload} />`}
    ${data.rejected.length > 0 &&
    html`<${Section} title="ICCIDs not added">
      <${RejectedIccids} rejected=${data.rejected} />
      ${data.rejected_count > data.rejected.length && html`<p>The first ${number(data.rejected.length)} of ${number(data.rejected_count)}.</p>`}
    </${Section}>`}
    <p><a class="button" href=${href(`/accounts/${account.id}/sim-stock`)}>Back to the stock</a></p>
  </${Page}>`;
}

export const routes = [
  { path: "/accounts/:accountId/sim-stock", view: StockList, inAccount: true, tab: "sim-stock" },
  { path: "/accounts/:accountId/sim-stock/allocations/:allocationId", view: AllocationDetail, inAccount: true, tab: "sim-stock", operator: true },
];
