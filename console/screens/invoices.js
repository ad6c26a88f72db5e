// Invoices: the list (by customer), an invoice with its status, its PDF shown in the page, every artefact
// to download, its credit notes (and issuing one) and the invoice it replaces or that replaces it, and the preview of a customer's invoice for a run date (computed, numbered nowhere, stored
// nowhere).

import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api, listAll } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { useAll } from "../lib/lookups.js";
import { href } from "../lib/router.js";
import { date, dateRange, iban, money, number, price, runDates } from "../lib/format.js";
import { Field, Form, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { CustomerFilter, DataTable, PagedTable, usePagedList } from "../components/table.js";
import { Badge, ErrorNotice, Loading } from "../components/status.js";
import { Artifacts, KINDS, PdfView, useArtifactLinks } from "../components/documents.js";
import { InvoiceCreditNotes } from "./credit-notes.js";

const ARTIFACTS = {
  pdf: "PDF",
  json: "RAW: invoice.json",
  csv: "RAW: invoice.csv",
  xml: "E-invoice (XML)",
};

/** An invoice or a preview: its facts (`more` first: an issued invoice's status), lines and totals. */
function InvoiceView({ invoice, customerName, more = [] }) {
  const currency = invoice.currency;
  return html`<div class="invoice">
    <${Facts}
      items=${[
        ...more,
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
    { label: "Status", render: (invoice) => html`<${Badge} value=${invoice.status} />` },
    { label: "Net", render: (invoice) => money(invoice.net_total, invoice.currency), numeric: true },
    { label: "Total", render: (invoice) => money(invoice.gross_total, invoice.currency), numeric: true },
  ];
  return html`<${Page} title="Invoices">
    <${CustomerFilter} customers=${customers.items} customerId=${customerId} base=${base} />
    <${PagedTable}
      list=${list}
      caption="Invoices"
      columns=${columns}
      empty=${html`<p>No invoices ${customerId ? "for this customer " : ""}yet. Invoices are issued by <a href=${href(`/accounts/${account.id}/billing-runs`)}>billing runs</a>.</p>`}
    />
  </${Page}>`;
}

function InvoiceDetail({ account, params }) {
  const invoice = useResource(accountPath(account.id, "invoices", params.invoiceId));
  if (invoice.error?.status === 404) return html`<${NotFound} what="invoice" />`;
  if (invoice.error) return html`<${ErrorNotice} error=${invoice.error} retry=${invoice.reload} />`;
  if (!invoice.data) return html`<${Loading} what="Loading the invoice" />`;
  return html`<${InvoiceDetailView} account=${account} invoice=${invoice.data} />`;
}

/**
 * The invoice issued in place of this one once it was credited in full: the customer's invoice whose
 * `replaces_invoice_id` names it. Unknown (not shown) until found; a failed look-up shows nothing more.
 */
function useReplacement(account, invoice) {
  const [replacement, setReplacement] = useState(null);
  const credited = invoice.status === "CREDITED";
  useEffect(() => {
    if (!credited) return undefined;
    let current = true;
    listAll(accountPath(account.id, "invoices"), { customer_id: invoice.customer_id }).then(
      (items) => current && setReplacement(items.find((other) => other.replaces_invoice_id === invoice.id) || null),
      () => current && setReplacement(null),
    );
    return () => {
      current = false;
    };
  }, [account.id, invoice.id, credited]);
  return replacement;
}

function InvoiceDetailView({ account, invoice }) {
  const customer = useResource(accountPath(account.id, "customers", invoice.customer_id));
  const links = useArtifactLinks(account, "invoices", invoice);
  const replacement = useReplacement(account, invoice);
  const replaced = useResource(invoice.replaces_invoice_id ? accountPath(account.id, "invoices", invoice.replaces_invoice_id) : null);
  const base = `/accounts/${account.id}/invoices`;
  const customerName = customer.data
    ? html`<a href=${href(`/accounts/${account.id}/customers/${invoice.customer_id}`)}>${customer.data.name}</a>`
    : invoice.customer_id;
  return html`<${Page} title=${`Invoice ${invoice.invoice_number}`}>
    <${InvoiceView}
      invoice=${invoice}
      customerName=${customerName}
      more=${[
        ["Status", html`<${Badge} value=${invoice.status} />`],
        ["Credited", money(invoice.credited_total, invoice.currency)],
        ["Replaces", invoice.replaces_invoice_id && html`<a href=${href(`${base}/${invoice.replaces_invoice_id}`)}>Invoice ${replaced.data?.invoice_number || "credited in full"}</a>`],
        ["Replaced by", replacement && html`<a href=${href(`${base}/${replacement.id}`)}>Invoice ${replacement.invoice_number}</a>`],
      ]}
    />
    <${InvoiceCreditNotes} account=${account} invoice=${invoice} />
    <${Section} title="Files">
      <${Artifacts} artifacts=${invoice.artifacts} fileName=${invoice.invoice_number} labels=${ARTIFACTS} links=${links} />
    </${Section}>
    ${invoice.artifacts.pdf &&
    html`<${Section} title="PDF"><${PdfView} url=${links.urls.pdf} title=${`Invoice ${invoice.invoice_number} (PDF)`} /></${Section}>`}
  </${Page}>`;
}

export const routes = [
  { path: "/accounts/:accountId/invoices", view: InvoiceList, inAccount: true, tab: "invoices" },
  { path: "/accounts/:accountId/invoices/:invoiceId", view: InvoiceDetail, inAccount: true, tab: "invoices" },
];
