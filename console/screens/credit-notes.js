// Credit notes: issuing one from an invoice (in full, or amounts on chosen lines, with a reason), an
// invoice's credit notes, the reseller's list of them, and a credit note with its PDF in the page and
// every artefact to download. And the documents report: a period's invoices and credit notes, as CSV too.

import { useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { ApiError, accountPath, api, download } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { useAll } from "../lib/lookups.js";
import { href, navigate } from "../lib/router.js";
import { date, dateTime, decimalInput, money, remainder, todayUtc } from "../lib/format.js";
import { Field, Form, Radios, TextArea, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { CustomerFilter, DataTable, PagedTable, usePagedList } from "../components/table.js";
import { ErrorNotice, Loading, Notice } from "../components/status.js";
import { Artifacts, KINDS, PdfView, useArtifactLinks } from "../components/documents.js";

const ARTIFACTS = {
  pdf: "PDF",
  json: "RAW: credit note JSON",
  csv: "RAW: credit note CSV",
  xml: "E-invoice (XML)",
};

function lineLabel(line) {
  return `${line.product_code} ${KINDS[line.kind] || line.kind}`;
}

/** What is left to credit on each line of `invoice`, after `notes` (its credit notes). */
function leftOnLines(invoice, notes) {
  return invoice.lines.map((line, index) =>
    remainder(
      line.amount,
      notes.flatMap((note) => note.lines.filter((credited) => credited.line === index).map((credited) => credited.amount)),
    ),
  );
}

/**
 * Issuing a credit note. Each submit carries an Idempotency-Key, kept across a retry of an attempt whose
 * outcome is unknown (the network, a 5xx): the key names the credit note, so a retry finishes that one.
 * A refused line (`lines.{n}.amount` of the request) is shown next to the invoice line it names.
 */
function IssueCreditNote({ account, invoice, left, onIssued }) {
  const form = useForm({ scope: "full", reason: "", credit: {} }, { keepKeyOnServerError: true });
  const currency = invoice.currency;
  const perLine = form.values.scope === "lines";
  if (perLine) form.rendered.add("lines"); // its error is shown in the lines' fieldset, not in the summary's list
  const issue = () => {
    let chosen = []; // the invoice line of each request line: where its error is shown
    const send = async (values, idempotencyKey) => {
      const body = { reason: values.reason.trim() };
      if (values.scope === "lines") {
        chosen = invoice.lines.map((_, index) => index).filter((index) => String(values.credit[index] ?? "").trim() !== "");
        if (!chosen.length) {
          throw new ApiError(422, "validation_error", "Enter the amount to credit on at least one line.", [
            { field: "lines", message: "Enter the amount to credit on at least one line." },
          ]);
        }
        body.lines = chosen.map((index) => ({ line: index, amount: decimalInput(values.credit[index]) }));
      }
      return (await api.post(accountPath(account.id, "invoices", invoice.id, "credit-notes"), body, { idempotencyKey })).data;
    };
    const rename = (path) => {
      const named = /^lines\.(\d+)\.(line|amount)$/.exec(path);
      return named && chosen[Number(named[1])] !== undefined ? `credit.${chosen[Number(named[1])]}` : path;
    };
    form.submit(send, { rename }).then((note) => {
      if (!note) return;
      form.replace({ scope: "full", reason: "", credit: {} });
      onIssued(note);
    });
  };
  return html`<${Form} form=${form} onSubmit=${issue} submitLabel="Issue the credit note" className="credit-form" failure="Not issued.">
    <${Radios}
      form=${form}
      name="scope"
      legend="What to credit"
      options=${[
        { value: "full", label: "Everything left on the invoice" },
        { value: "lines", label: "Amounts on chosen lines" },
      ]}
    />
    ${perLine &&
    html`<fieldset class="credit-lines" aria-describedby=${form.errors.fields.lines ? "f-lines-error" : undefined}>
      <legend>Amounts to credit (${currency}); leave a line empty to keep it</legend>
      ${form.errors.fields.lines && html`<p id="f-lines-error" class="field-error">${form.errors.fields.lines}</p>`}
      ${invoice.lines.map(
        (line, index) => html`<${Field}
          key=${index}
          form=${form}
          name=${`credit.${index}`}
          label=${`Credit on ${lineLabel(line)}`}
          inputmode="decimal"
          autocomplete="off"
          hint=${`Left to credit: ${money(left[index], currency)} of ${money(line.amount, currency)}`}
          disabled=${left[index] === "0"}
        />`,
      )}
    </fieldset>`}
    <${TextArea} form=${form} name="reason" label="Reason" required maxlength="500" rows="2" hint="Printed on the credit note (up to 500 characters)." />
  </${Form}>`;
}

/** An invoice's credit notes and, while something is left to credit, the form that issues one. */
export function InvoiceCreditNotes({ account, invoice }) {
  const notes = useAll(accountPath(account.id, "credit-notes"), { invoice_id: invoice.id });
  const base = `/accounts/${account.id}/credit-notes`;
  const currency = invoice.currency;
  let listed;
  if (notes.error) listed = html`<${ErrorNotice} error=${notes.error} />`;
  else if (notes.loading) listed = html`<${Loading} what="Loading the credit notes" />`;
  else if (!notes.items.length) listed = html`<p class="empty">No credit notes on this invoice.</p>`;
  else
    listed = html`<${DataTable}
      caption="Credit notes of this invoice"
      rows=${notes.items}
      columns=${[
        { label: "Number", render: (note) => html`<a href=${href(`${base}/${note.id}`)}>${note.credit_note_number}</a>` },
        { label: "Issued", render: (note) => date(note.issue_date) },
        { label: "Reason", render: (note) => note.reason },
        { label: "Total", render: (note) => money(note.gross_total, currency), numeric: true },
      ]}
    />`;
  return html`<${Section} title="Credit notes">
    ${listed}
    ${invoice.status === "CREDITED"
      ? html`<p class="muted">Credited in full: nothing is left to credit.</p>`
      : !notes.loading &&
        !notes.error &&
        html`<details class="disclosure issue-credit-note">
          <summary>Issue a credit note</summary>
          <${IssueCreditNote}
            account=${account}
            invoice=${invoice}
            left=${leftOnLines(invoice, notes.items)}
            onIssued=${(note) => navigate(`${base}/${note.id}`)}
          />
        </details>`}
  </${Section}>`;
}

function CreditNoteList({ account, query }) {
  const customerId = query.get("customer_id") || "";
  const list = usePagedList(accountPath(account.id, "credit-notes"), { customer_id: customerId });
  const customers = useAll(accountPath(account.id, "customers"));
  const base = `/accounts/${account.id}/credit-notes`;
  const columns = [
    { label: "Number", render: (note) => html`<a href=${href(`${base}/${note.id}`)}>${note.credit_note_number}</a>` },
    { label: "Customer", render: (note) => customers.byId[note.customer_id]?.name || "…" },
    {
      label: "Invoice",
      render: (note) => html`<a href=${href(`/accounts/${account.id}/invoices/${note.invoice_id}`)}>${note.invoice_number}</a>`,
    },
    { label: "Issued", render: (note) => date(note.issue_date) },
    { label: "Reason", render: (note) => note.reason },
    { label: "Net", render: (note) => money(note.net_total, note.currency), numeric: true },
    { label: "Total", render: (note) => money(note.gross_total, note.currency), numeric: true },
  ];
  return html`<${Page} title="Credit notes">
    <${CustomerFilter} customers=${customers.items} customerId=${customerId} base=${base} />
    <${PagedTable}
      list=${list}
      caption="Credit notes"
      columns=${columns}
      empty=${html`<p>No credit notes ${customerId ? "for this customer " : ""}yet. A credit note is issued from its <a href=${href(`/accounts/${account.id}/invoices`)}>invoice</a>.</p>`}
    />
  </${Page}>`;
}

function CreditNoteDetail({ account, params }) {
  const note = useResource(accountPath(account.id, "credit-notes", params.creditNoteId));
  if (note.error?.status === 404) return html`<${NotFound} what="credit note" />`;
  if (note.error) return html`<${ErrorNotice} error=${note.error} retry=${note.reload} />`;
  if (!note.data) return html`<${Loading} what="Loading the credit note" />`;
  return html`<${CreditNoteView} account=${account} note=${note.data} />`;
}

function CreditNoteView({ account, note }) {
  const invoice = useResource(accountPath(account.id, "invoices", note.invoice_id));
  const customer = useResource(accountPath(account.id, "customers", note.customer_id));
  const links = useArtifactLinks(account, "credit-notes", note);
  const currency = note.currency;
  const lines = invoice.data?.lines || [];
  return html`<${Page} title=${`Credit note ${note.credit_note_number}`}>
    <div class="invoice">
      <${Facts}
        items=${[
          ["Credit note number", note.credit_note_number],
          ["Issue date", date(note.issue_date)],
          ["Credits invoice", html`<a href=${href(`/accounts/${account.id}/invoices/${note.invoice_id}`)}>${note.invoice_number}</a>`],
          [
            "Customer",
            customer.data
              ? html`<a href=${href(`/accounts/${account.id}/customers/${note.customer_id}`)}>${customer.data.name}</a>`
              : note.customer_id,
          ],
          ["Currency", currency],
          ["Reason", note.reason],
          ["Issued at", dateTime(note.issued_at)],
        ]}
      />
      <${DataTable}
        caption="Credited lines"
        rowKey=${(line) => line.line}
        rows=${note.lines}
        columns=${[
          { label: "Invoice line", render: (line) => (lines[line.line] ? lineLabel(lines[line.line]) : `Line ${line.line + 1}`) },
          { label: "Charge", render: (line) => KINDS[line.kind] || line.kind },
          { label: "Credited", render: (line) => money(line.amount, currency), numeric: true },
        ]}
      />
      <dl class="totals">
        <div><dt>Net</dt><dd>${money(note.net_total, currency)}</dd></div>
        <div><dt>VAT ${note.vat_rate} %</dt><dd>${money(note.vat_amount, currency)}</dd></div>
        <div class="gross"><dt>Total credited</dt><dd>${money(note.gross_total, currency)}</dd></div>
      </dl>
    </div>
    <${Section} title="Files">
      <${Artifacts} artifacts=${note.artifacts} fileName=${note.credit_note_number} labels=${ARTIFACTS} links=${links} />
    </${Section}>
    ${note.artifacts.pdf &&
    html`<${Section} title="PDF"><${PdfView} url=${links.urls.pdf} title=${`Credit note ${note.credit_note_number} (PDF)`} /></${Section}>`}
  </${Page}>`;
}

function monthStart() {
  return `${todayUtc().slice(0, 8)}01`;
}

/** The documents report: the invoices and credit notes issued in a period, and the same as one CSV file. */
function DocumentsReport({ account, query }) {
  const period = { from: query.get("from") || "", to: query.get("to") || "" };
  const form = useForm({ from: period.from || monthStart(), to: period.to || todayUtc() });
  const [csv, setCsv] = useState({ busy: false, error: null });
  const base = `/accounts/${account.id}/documents`;
  const show = () =>
    form
      .submit(async (values) => {
        // Asked once here so that a refused period is shown at its field, not as an empty report.
        await api.get(accountPath(account.id, "documents"), { query: { ...values, limit: 1 } });
        return values;
      })
      .then((values) => values && navigate(base, values));
  const exportCsv = async () => {
    setCsv({ busy: true, error: null });
    try {
      await download(accountPath(account.id, "documents", "csv"), period, `documents-${period.from}-${period.to}.csv`);
      setCsv({ busy: false, error: null });
    } catch (error) {
      setCsv({ busy: false, error });
    }
  };
  return html`<${Page} title="Documents">
    <${Form} form=${form} onSubmit=${show} submitLabel="Show the documents" className="inline-form" failure="Not shown.">
      <div class="row">
        <${Field} form=${form} name="from" label="From" type="date" required />
        <${Field} form=${form} name="to" label="To" type="date" required hint="Both days included." />
      </div>
    </${Form}>
    ${period.from && period.to
      ? html`<${DocumentRows} account=${account} period=${period} exportCsv=${exportCsv} csv=${csv} />`
      : html`<${Notice}>Choose a period: the invoices and credit notes issued in it are listed by issue date.</${Notice}>`}
  </${Page}>`;
}

function DocumentRows({ account, period, exportCsv, csv }) {
  const list = usePagedList(accountPath(account.id, "documents"), period);
  const customers = useAll(accountPath(account.id, "customers"));
  const base = `/accounts/${account.id}`;
  const link = (doc) =>
    doc.type === "CREDIT_NOTE"
      ? html`<a href=${href(`${base}/credit-notes/${doc.id}`)}>${doc.number}</a>`
      : html`<a href=${href(`${base}/invoices/${doc.id}`)}>${doc.number}</a>`;
  // A credit note reduces: its amounts are shown negative; the API states them positive, as printed.
  const signed = (doc, amount) => money(doc.type === "CREDIT_NOTE" ? `-${amount}` : amount, doc.currency);
  const columns = [
    { label: "Number", render: link },
    { label: "Type", render: (doc) => (doc.type === "CREDIT_NOTE" ? "Credit note" : "Invoice") },
    { label: "Issued", render: (doc) => date(doc.issue_date) },
    { label: "Customer", render: (doc) => customers.byId[doc.customer_id]?.name || "…" },
    {
      label: "Refers to",
      render: (doc) => doc.invoice_id && html`<a href=${href(`${base}/invoices/${doc.invoice_id}`)}>${doc.type === "CREDIT_NOTE" ? "credited invoice" : "replaced invoice"}</a>`,
    },
    { label: "Net", render: (doc) => signed(doc, doc.net_total), numeric: true },
    { label: "VAT", render: (doc) => signed(doc, doc.vat_amount), numeric: true },
    { label: "Total", render: (doc) => signed(doc, doc.gross_total), numeric: true },
  ];
  return html`<${Section}
    title=${`Issued ${date(period.from)} – ${date(period.to)}`}
    actions=${html`<button type="button" onClick=${exportCsv} disabled=${csv.busy}>${csv.busy ? "Preparing…" : "Download CSV"}</button>`}
  >
    ${csv.error && html`<${ErrorNotice} error=${csv.error} retry=${exportCsv} />`}
    <${PagedTable}
      list=${list}
      caption="Documents"
      rowKey=${(doc) => `${doc.type}-${doc.id}`}
      columns=${columns}
      empty=${html`<p>No invoices or credit notes were issued in this period.</p>`}
    />
  </${Section}>`;
}

export const routes = [
  { path: "/accounts/:accountId/credit-notes", view: CreditNoteList, inAccount: true, tab: "credit-notes" },
  { path: "/accounts/:accountId/credit-notes/:creditNoteId", view: CreditNoteDetail, inAccount: true, tab: "credit-notes" },
  { path: "/accounts/:accountId/documents", view: DocumentsReport, inAccount: true, tab: "documents" },
];
