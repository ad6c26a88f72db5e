// Invoices: the list (by customer), an invoice with its PDF shown in the page and every artefact to
// download, and the preview of a customer's invoice for a run date (computed, numbered nowhere, stored
// nowhere).

import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { useAll } from "../lib/lookups.js";
import { href, navigate } from "../lib/router.js";
import { date, dateRange, iban, money, number, price, runDates } from "../lib/format.js";
import { describeError } from "../lib/errors.js";
import { Field, Form, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { DataTable, PagedTable, usePagedList } from "../components/table.js";
import { ErrorNotice, Loading } from "../components/status.js";

const KINDS = {
  MRC: "Monthly fee",
  ACTIVATION: "Activation fee",
  OVERAGE_DATA: "Data overage (MB)",
  OVERAGE_SMS: "SMS overage (messages)",
};

const ARTIFACTS = {
  pdf: "PDF",
  json: "RAW: invoice.json",
  csv: "RAW: invoice.csv",
  xml: "E-invoice (XML)",
};

const LINK_REFRESH_MARGIN_MS = 30_000;

/** An invoice or a preview: its facts, lines and totals. */
function InvoiceView({ invoice, customerName }) {
  const currency = invoice.currency;
  return html`<div class="invoice">
    <${Facts}
      items=${[
        ["Invoice number", invoice.invoice_number || "Preview: numbered when issued"],
        ["Customer", customerName],
        ["Billing cycle", dateRange(invoice.cycle_start, invoice.cycle_end)],
        ["Billing date", date(invoice.billing_date)],
        ["Issue date", date(invoice.issue_date)],
        ["Due date", invoice.due_date && `${date(invoice.due_date)} (${invoice.payment.terms_days} days)`],
        ["Currency", currency],
        ["Customer VAT ID", invoice.customer?.vat_id],
        ["Tax", invoice.tax_wording],
        ["Pay to", invoice.payment?.iban && [iban(invoice.payment.iban), invoice.payment.bic].filter(Boolean).join(" · ")],
        ["Payment reference", invoice.payment?.reference],
      ]}
    />
    ${invoice.lines.length === 0
      ? html`<p class="empty">Nothing to invoice in this cycle.</p>`
      : html`<${DataTable}
          caption="Invoice lines"
          rowKey=${(line) => `${line.product_id}-${line.kind}`}
          rows=${invoice.lines}
          columns=${[
            { label: "Product", render: (line) => `${line.product_code} — ${line.product_name}` },
            { label: "Charge", render: (line) => KINDS[line.kind] || line.kind },
            { label: "Quantity", render: (line) => number(line.quantity), numeric: true },
            { label: "Unit price", render: (line) => price(line.unit_price, currency), numeric: true },
            { label: "Amount", render: (line) => money(line.amount, currency), numeric: true },
          ]}
        />`}
    <dl class="totals">
      <div><dt>Net</dt><dd>${money(invoice.net_total, currency)}</dd></div>
      <div><dt>VAT ${number(invoice.vat_rate)} %</dt><dd>${money(invoice.vat_amount, currency)}</dd></div>
      <div class="gross"><dt>Total</dt><dd>${money(invoice.gross_total, currency)}</dd></div>
    </dl>
  </div>`;
}

/** The customer page's preview: any run date of the reseller's cycle, the next one by default. */
export function InvoicePreview({ account, customer }) {
  const cycleDay = account.reseller_profile?.billing_cycle_day;
  const form = useForm({ run_date: runDates(cycleDay).next });
  const [preview, setPreview] = useState(null);
  const show = () =>
    form
      .submit(async (values) => (await api.get(accountPath(account.id, "customers", customer.id, "invoice-preview"), { query: values })).data)
      .then((invoice) => invoice && setPreview(invoice));
  return html`<div class="preview">
    <${Form} form=${form} onSubmit=${show} submitLabel="Preview" className="inline-form">
      <${Field}
        form=${form}
        name="run_date"
        label="Run date"
        type="date"
        required
        hint=${`A run date (day ${cycleDay} of a month, or the end of a transition). A future date shows the charges of the running cycle so far.`}
      />
    </${Form}>
    ${preview && html`<${InvoiceView} invoice=${preview} customerName=${customer.name} />`}
  </div>`;
}

function InvoiceList({ account, query }) {
  const customerId = query.get("customer_id") || "";
  const list = usePagedList(accountPath(account.id, "invoices"), { customer_id: customerId });
  const customers = useAll(accountPath(account.id, "customers"));
  const base = `/accounts/${account.id}/invoices`;
  const columns = [
    { label: "Number", render: (invoice) => html`<a href=${href(`${base}/${invoice.id}`)}>${invoice.invoice_number}</a>` },
    { label: "Customer", render: (invoice) => customers.byId[invoice.customer_id]?.name || "…" },
    { label: "Cycle", render: (invoice) => dateRange(invoice.cycle_start, invoice.cycle_end) },
    { label: "Issued", render: (invoice) => date(invoice.issue_date) },
    { label: "Net", render: (invoice) => money(invoice.net_total, invoice.currency), numeric: true },
    { label: "Total", render: (invoice) => money(invoice.gross_total, invoice.currency), numeric: true },
  ];
  return html`<${Page} title="Invoices">
    <div class="filters">
      <label for="customer-filter">Customer</label>
      <select id="customer-filter" onChange=${(event) => navigate(base, { customer_id: event.target.value })}>
        <option value="" selected=${!customerId}>All customers</option>
        ${customers.items.map(
          (customer) => html`<option key=${customer.id} value=${customer.id} selected=${customer.id === customerId}>
            ${customer.customer_number} — ${customer.name}
          </option>`,
        )}
      </select>
    </div>
    <${PagedTable}
      list=${list}
      caption="Invoices"
      columns=${columns}
      empty=${html`<p>No invoices ${customerId ? "for this customer " : ""}yet. Invoices are issued by <a href=${href(`/accounts/${account.id}/billing-runs`)}>billing runs</a>.</p>`}
    />
  </${Page}>`;
}

/** Presigned links to each artefact, fetched again shortly before they expire. */
function useArtifactLinks(account, invoice) {
  const [links, setLinks] = useState({ urls: {}, error: null });
  useEffect(() => {
    let timer = null;
    let current = true;
    const load = async () => {
      try {
        const names = Object.keys(invoice.artifacts);
        const answers = await Promise.all(names.map((name) => api.get(accountPath(account.id, "invoices", invoice.id, "artifacts", name))));
        if (!current) return;
        setLinks({ urls: Object.fromEntries(names.map((name, i) => [name, answers[i].data.url])), error: null });
        const soonest = Math.min(...answers.map((answer) => Date.parse(answer.data.expires_at)));
        timer = setTimeout(load, Math.max(soonest - Date.now() - LINK_REFRESH_MARGIN_MS, 5_000));
      } catch (error) {
        if (current) setLinks({ urls: {}, error });
      }
    };
    load();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [account.id, invoice.id]);
  return links;
}

/** The PDF in the page: fetched once from its presigned link and shown by the browser's own viewer. */
function PdfView({ url, title }) {
  const [shown, setShown] = useState({ src: null, error: null });
  const loaded = Boolean(url);
  useEffect(() => {
    if (!loaded) return undefined;
    let objectUrl = null;
    fetch(url)
      .then((response) => {
        if (!response.ok) throw new Error(`The PDF did not load (${response.status}).`);
        return response.blob();
      })
      .then((blob) => {
        objectUrl = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
        setShown({ src: objectUrl, error: null });
      })
      .catch((error) => setShown({ src: null, error }));
    return () => objectUrl && URL.revokeObjectURL(objectUrl);
  }, [loaded]);
  if (shown.error) return html`<${ErrorNotice} error=${shown.error} />`;
  if (!shown.src) return html`<${Loading} what="Loading the PDF" />`;
  return html`<iframe class="pdf" src=${shown.src} title=${title}></iframe>`;
}

function kilobytes(size) {
  return `${number(size / 1024, 1)} KB`;
}

function Artifacts({ invoice, links }) {
  return html`<ul class="artifacts">
    ${Object.entries(invoice.artifacts).map(
      ([name, info]) => html`<li key=${name}>
        ${links.urls[name]
          ? html`<a href=${links.urls[name]} download=${`${invoice.invoice_number}.${name}`}>Download ${ARTIFACTS[name] || name}</a>`
          : html`<span>${ARTIFACTS[name] || name}</span>`}
        <span class="muted"> ${kilobytes(info.size)} · SHA-256 <code title=${info.sha256}>${info.sha256.slice(0, 12)}…</code></span>
      </li>`,
    )}
  </ul>`;
}

function InvoiceDetail({ account, params }) {
  const invoice = useResource(accountPath(account.id, "invoices", params.invoiceId));
  if (invoice.error?.status === 404) return html`<${NotFound} what="invoice" />`;
  if (invoice.error) return html`<${ErrorNotice} error=${invoice.error} retry=${invoice.reload} />`;
  if (!invoice.data) return html`<${Loading} what="Loading the invoice" />`;
  return html`<${InvoiceDetailView} account=${account} invoice=${invoice.data} />`;
}

function InvoiceDetailView({ account, invoice }) {
  const customer = useResource(accountPath(account.id, "customers", invoice.customer_id));
  const links = useArtifactLinks(account, invoice);
  const customerName = customer.data
    ? html`<a href=${href(`/accounts/${account.id}/customers/${invoice.customer_id}`)}>${customer.data.name}</a>`
    : invoice.customer_id;
  return html`<${Page} title=${`Invoice ${invoice.invoice_number}`}>
    <${InvoiceView} invoice=${invoice} customerName=${customerName} />
    <${Section} title="Files">
      ${links.error && html`<div class="notice error" role="alert"><p>Download links: ${describeError(links.error)}</p></div>`}
      <${Artifacts} invoice=${invoice} links=${links} />
    </${Section}>
    ${invoice.artifacts.pdf &&
    html`<${Section} title="PDF"><${PdfView} url=${links.urls.pdf} title=${`Invoice ${invoice.invoice_number} (PDF)`} /></${Section}>`}
  </${Page}>`;
}

export const routes = [
  { path: "/accounts/:accountId/invoices", view: InvoiceList, inAccount: true, tab: "invoices" },
  { path: "/accounts/:accountId/invoices/:invoiceId", view: InvoiceDetail, inAccount: true, tab: "invoices" },
];
