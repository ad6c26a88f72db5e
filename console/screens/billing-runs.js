// Billing runs: starting one for a run date (a day of the reseller's billing cycle), for every customer or
// chosen ones, the runs so far, and a run's live progress: customers, issued, skipped, failed, until it
// reaches a final status.

import { useEffect } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { useAll } from "../lib/lookups.js";
import { href, navigate } from "../lib/router.js";
import { date, dateRange, dateTime, number, runDates, todayUtc } from "../lib/format.js";
import { Checkbox, Field, Form, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { PagedTable, usePagedList } from "../components/table.js";
import { Badge, ErrorNotice, Loading, Notice, Progress } from "../components/status.js";

const FINAL = ["COMPLETED", "COMPLETED_WITH_FAILURES"];
const POLL_MS = 1000;

/**
 * Starting a run: for every customer, or only the chosen ones (a cycle reopened by a credit note for a
 * customer is billed again for that customer alone: its replacement invoice).
 */
function StartRun({ account }) {
  const cycleDay = account.reseller_profile?.billing_cycle_day;
  const form = useForm({ run_date: runDates(cycleDay).last, chosen: {} });
  const customers = useAll(accountPath(account.id, "customers"));
  const chosen = customers.items.filter((customer) => form.values.chosen[customer.id]);
  const save = () =>
    form
      .submit(async ({ run_date: runDate }, idempotencyKey) => {
        const body = chosen.length ? { run_date: runDate, customer_ids: chosen.map((customer) => customer.id) } : { run_date: runDate };
        return (await api.post(accountPath(account.id, "billing-runs"), body, { idempotencyKey })).data;
      })
      .then((run) => run && navigate(`/accounts/${account.id}/billing-runs/${run.id}`));
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Start billing run" className="inline-form">
    <${Field}
      form=${form}
      name="run_date"
      label="Run date"
      type="date"
      required
      max=${todayUtc()}
      hint=${`A run date (day ${cycleDay} of a month, or the end of a transition after the cycle day changed), today or earlier: it bills the cycle that ended the day before.`}
    />
    ${customers.items.length > 0 &&
    html`<details class="disclosure">
      <summary>Bill only chosen customers${chosen.length ? ` (${chosen.length})` : ""}</summary>
      <fieldset class="chosen-customers" aria-describedby="chosen-customers-hint">
        <legend>Customers to bill</legend>
        <p id="chosen-customers-hint" class="hint">None chosen: every customer. A customer whose invoice of the cycle was credited in full gets its replacement invoice.</p>
        ${customers.items.map(
          (customer) => html`<${Checkbox} key=${customer.id} form=${form} name=${`chosen.${customer.id}`} label=${`${customer.customer_number} — ${customer.name}`} />`,
        )}
      </fieldset>
    </details>`}
  </${Form}>`;
}

function RunList({ account }) {
  const list = usePagedList(accountPath(account.id, "billing-runs"));
  const base = `/accounts/${account.id}/billing-runs`;
  const invoicing = account.reseller_profile?.customer_invoice_creation;
  const columns = [
    { label: "Run date", render: (run) => html`<a href=${href(`${base}/${run.id}`)}>${date(run.run_date)}</a>` },
    { label: "Cycle", render: (run) => dateRange(run.cycle_start, run.cycle_end) },
    { label: "Status", render: (run) => html`<${Badge} value=${run.status} />` },
    { label: "Customers", render: (run) => number(run.customers), numeric: true },
    { label: "Issued", render: (run) => number(run.issued), numeric: true },
    { label: "Skipped", render: (run) => number(run.skipped), numeric: true },
    { label: "Failed", render: (run) => number(run.failed), numeric: true },
    { label: "Started", render: (run) => `${dateTime(run.created_at)} (${run.trigger.toLowerCase()})` },
  ];
  return html`<${Page} title="Billing runs">
    ${invoicing
      ? html`<${Section} title="Start a run"><${StartRun} account=${account} /></${Section}>`
      : html`<${Notice} kind="warn">Customer invoice creation is off in this reseller's profile: no runs start.</${Notice}>`}
    <${Section} title="Runs">
      <${PagedTable} list=${list} caption="Billing runs" columns=${columns} empty=${html`<p>No billing runs yet.</p>`} />
    </${Section}>
  </${Page}>`;
}

/** A run, polled until it reaches a final status. */
function useLiveRun(path) {
  const run = useResource(path);
  const status = run.data?.status;
  useEffect(() => {
    if (!status || FINAL.includes(status)) return undefined;
    const timer = setTimeout(run.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [status, run.data]);
  return run;
}

function RunDetail({ account, params }) {
  const run = useLiveRun(accountPath(account.id, "billing-runs", params.runId));
  if (run.error?.status === 404) return html`<${NotFound} what="billing run" />`;
  if (run.error && !run.data) return html`<${ErrorNotice} error=${run.error} retry=${run.reload} />`;
  if (!run.data) return html`<${Loading} what="Loading the billing run" />`;
  const data = run.data;
  const finished = data.issued + data.skipped + data.failed;
  const final = FINAL.includes(data.status);
  return html`<${Page} title=${`Billing run of ${date(data.run_date)}`} subtitle=${`Cycle ${dateRange(data.cycle_start, data.cycle_end)}`}>
    <div class="run-status" aria-live="polite">
      <p>Status: <${Badge} value=${data.status} /> ${!final && html`<span class="muted">updating every second…</span>`}</p>
      <${Progress} label=${`Customers done: ${number(finished)} of ${number(data.customers)}`} value=${finished} max=${data.customers} />
    </div>
    <${Facts}
      items=${[
        ["Customers", number(data.customers)],
        ["Issued", number(data.issued)],
        ["Skipped (nothing to bill, or billed before)", number(data.skipped)],
        ["Failed", number(data.failed)],
        ["Started", `${dateTime(data.created_at)} (${data.trigger.toLowerCase()})`],
        ["Last update", dateTime(data.updated_at)],
      ]}
    />
    ${run.error && html`<${ErrorNotice} error=${run.error} retry=${run.reload} />`}
    ${data.status === "COMPLETED_WITH_FAILURES" &&
    html`<${Notice} kind="warn">Some invoices failed and wait in the dead-letter queue; once redriven they are issued and counted here.</${Notice}>`}
    ${final && html`<p><a class="button primary" href=${href(`/accounts/${account.id}/invoices`)}>See the invoices</a></p>`}
  </${Page}>`;
}

export const routes = [
  { path: "/accounts/:accountId/billing-runs", view: RunList, inAccount: true, tab: "billing-runs" },
  { path: "/accounts/:accountId/billing-runs/:runId", view: RunDetail, inAccount: true, tab: "billing-runs" },
];
