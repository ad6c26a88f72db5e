// A reseller's customers: the list, creating one, and a customer's page (details, status, SIMs and an
// invoice preview).

import { useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { href, navigate } from "../lib/router.js";
import { decimalInput } from "../lib/format.js";
import { Field, Form, Radios, Select, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { PagedTable, usePagedList } from "../components/table.js";
import { Badge, ErrorNotice, Loading, Notice } from "../components/status.js";
import { CustomerSims } from "./sims.js";
import { InvoicePreview } from "./invoices.js";

const NEW_CUSTOMER = {
  customer_number: "",
  name: "",
  email: "",
  address: { line1: "", line2: "", postal_code: "", city: "", country: "" },
  vat_rate: "0",
  tax_treatment: "STANDARD",
  vat_id: "",
  tax_exemption_reason: "",
  locale: "en",
  peppol_id: "",
};

// Fields a customer may leave empty: not sent when creating, cleared (null) when editing.
const OPTIONAL = ["vat_id", "tax_exemption_reason", "peppol_id"];

const TAX_TREATMENTS = [
  { value: "STANDARD", label: "Standard: VAT at the customer's rate" },
  { value: "REVERSE_CHARGE", label: "Reverse charge: the customer accounts for the VAT (its VAT number is required)" },
  { value: "EXEMPT", label: "Exempt (needs the reason printed on the invoice)" },
];

const LOCALES = [
  { value: "en", label: "English" },
  { value: "de", label: "Deutsch" },
  { value: "fr", label: "Français" },
];

function customerBody(values, { clearing = false } = {}) {
  const { line2, ...address } = values.address;
  const body = {
    ...values,
    address: { ...address, ...(line2 ? { line2 } : {}) },
    vat_rate: decimalInput(values.vat_rate),
  };
  // The reason is asked for only with EXEMPT (a hidden field is not sent: the API refuses it otherwise).
  if (body.tax_treatment !== "EXEMPT") body.tax_exemption_reason = "";
  for (const name of OPTIONAL) {
    if (!String(body[name] ?? "").trim()) {
      if (clearing) body[name] = null;
      else delete body[name];
    }
  }
  return body;
}

function CustomerList({ account }) {
  const list = usePagedList(accountPath(account.id, "customers"));
  const base = `/accounts/${account.id}/customers`;
  const columns = [
    { label: "Number", render: (customer) => html`<a href=${href(`${base}/${customer.id}`)}>${customer.customer_number}</a>` },
    { label: "Name", render: (customer) => customer.name },
    { label: "E-mail", render: (customer) => customer.email },
    { label: "City", render: (customer) => `${customer.address.city}, ${customer.address.country}` },
    { label: "VAT", render: (customer) => `${customer.vat_rate} %`, numeric: true },
    { label: "Status", render: (customer) => html`<${Badge} value=${customer.status} />` },
  ];
  return html`<${Page} title="Customers" actions=${html`<a class="button primary" href=${href(`${base}/new`)}>New customer</a>`}>
    <${PagedTable}
      list=${list}
      caption="Customers"
      columns=${columns}
      empty=${html`<p>No customers yet.</p><a class="button" href=${href(`${base}/new`)}>Add the first customer</a>`}
    />
  </${Page}>`;
}

function CustomerFields({ form, creating }) {
  return html`
    <div class="row">
      ${creating &&
      html`<${Field}
        form=${form}
        name="customer_number"
        label="Customer number"
        required
        maxlength="40"
        pattern="[A-Za-z0-9][A-Za-z0-9._\\/\\-]*"
        hint="Unique among your customers: letters, digits and . _ / -"
      />`}
      <${Field} form=${form} name="name" label="Name" required maxlength="200" autocomplete="organization" />
    </div>
    <${Field} form=${form} name="email" label="Billing e-mail" type="email" required maxlength="254" autocomplete="email" />
    <fieldset class="group">
      <legend>Address</legend>
      <${Field} form=${form} name="address.line1" label="Street and number" required maxlength="200" autocomplete="address-line1" />
      <${Field} form=${form} name="address.line2" label="Address line 2" maxlength="200" autocomplete="address-line2" />
      <div class="row">
        <${Field} form=${form} name="address.postal_code" label="Postal code" required maxlength="20" autocomplete="postal-code" className="narrow" />
        <${Field} form=${form} name="address.city" label="City" required maxlength="200" autocomplete="address-level2" />
        <${Field}
          form=${form}
          name="address.country"
          label="Country"
          required
          maxlength="2"
          autocomplete="country"
          normalize=${(text) => text.toUpperCase()}
          className="narrow"
          hint="ISO code, e.g. DE"
        />
      </div>
    </fieldset>
    <fieldset class="group">
      <legend>Tax and documents</legend>
      <${Radios} form=${form} name="tax_treatment" legend="Tax treatment" options=${TAX_TREATMENTS} />
      <div class="row">
        <${Field}
          form=${form}
          name="vat_rate"
          label="VAT rate (%)"
          inputmode="decimal"
          className="narrow"
          hint="Percent, 0–100, e.g. 19 or 7.7; 0 with reverse charge or exempt"
        />
        <${Field}
          form=${form}
          name="vat_id"
          label="VAT ID"
          maxlength="40"
          normalize=${(text) => text.toUpperCase()}
          hint="With its country prefix, e.g. PL5260250274"
          autocomplete="off"
        />
      </div>
      ${form.value("tax_treatment") === "EXEMPT" &&
      html`<${Field}
        form=${form}
        name="tax_exemption_reason"
        label="Exemption reason"
        maxlength="200"
        hint="Printed on the invoice, e.g. the article of the law that exempts the supply"
      />`}
      <div class="row">
        <${Select} form=${form} name="locale" label="Invoice language" options=${LOCALES} hint="Labels, dates and amounts of the PDF" />
        <${Field} form=${form} name="peppol_id" label="Peppol ID" maxlength="130" hint="scheme:identifier, for e-invoices, e.g. 0208:0123456749" autocomplete="off" />
      </div>
    </fieldset>
  `;
}

function CustomerCreate({ account }) {
  const form = useForm(NEW_CUSTOMER);
  const base = `/accounts/${account.id}/customers`;
  const save = () =>
    form
      .submit(async (values, idempotencyKey) => (await api.post(accountPath(account.id, "customers"), customerBody(values), { idempotencyKey })).data)
      .then((created) => created && navigate(`${base}/${created.id}`));
  return html`<${Page} title="New customer">
    <${Form} form=${form} onSubmit=${save} submitLabel="Create customer" actions=${html`<a class="button" href=${href(base)}>Cancel</a>`}>
      <${CustomerFields} form=${form} creating=${true} />
    </${Form}>
  </${Page}>`;
}

function CustomerEdit({ account, customer, etag, onSaved }) {
  const form = useForm({
    ...customer,
    ...Object.fromEntries(OPTIONAL.map((name) => [name, customer[name] || ""])),
    address: { ...NEW_CUSTOMER.address, ...customer.address, line2: customer.address.line2 || "" },
  });
  const save = () =>
    form
      .submit(async (values) => {
        const body = customerBody(values, { clearing: true });
        const editable = ["name", "email", "address", "vat_rate", "tax_treatment", "locale", ...OPTIONAL];
        const change = Object.fromEntries(editable.map((name) => [name, body[name]]));
        return (await api.patch(accountPath(account.id, "customers", customer.id), change, { etag })).data;
      })
      .then((updated) => updated && onSaved("Saved."));
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Save changes">
    <${CustomerFields} form=${form} creating=${false} />
  </${Form}>`;
}

const STATUS_ACTIONS = {
  ACTIVE: [
    { status: "SUSPENDED", label: "Suspend" },
    { status: "CLOSED", label: "Close" },
  ],
  SUSPENDED: [
    { status: "ACTIVE", label: "Resume" },
    { status: "CLOSED", label: "Close" },
  ],
  CLOSED: [],
};

function CustomerStatus({ account, customer, etag, onSaved }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const change = async (status) => {
    setBusy(true);
    setError(null);
    try {
      await api.patch(accountPath(account.id, "customers", customer.id), { status }, { etag });
      onSaved(`Customer is now ${status.toLowerCase()}.`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="status-actions">
    <p>Status: <${Badge} value=${customer.status} /></p>
    ${STATUS_ACTIONS[customer.status].map(
      (action) => html`<button key=${action.status} type="button" disabled=${busy} onClick=${() => change(action.status)}>${action.label}</button>`,
    )}
    ${customer.status === "CLOSED" && html`<p class="muted">A closed customer stays closed.</p>`}
    ${error && html`<${ErrorNotice} error=${error} />`}
  </div>`;
}

function CustomerDetail({ account, params }) {
  const customer = useResource(accountPath(account.id, "customers", params.customerId));
  const [notice, setNotice] = useState(null);
  if (customer.error?.status === 404) return html`<${NotFound} what="customer" />`;
  if (customer.error) return html`<${ErrorNotice} error=${customer.error} retry=${customer.reload} />`;
  if (!customer.data) return html`<${Loading} what="Loading the customer" />`;
  const data = customer.data;
  const saved = (message) => {
    setNotice(message);
    customer.reload();
  };
  return html`<${Page}
    title=${data.name}
    subtitle=${`Customer ${data.customer_number} · ${data.email}`}
    actions=${html`<a class="button" href=${href(`/accounts/${account.id}/invoices`, { customer_id: data.id })}>Invoices</a>`}
  >
    ${notice && html`<${Notice} kind="good">${notice}</${Notice}>`}
    <${Facts}
      items=${[
        ["Status", html`<${Badge} value=${data.status} />`],
        ["Address", [data.address.line1, data.address.line2, `${data.address.postal_code} ${data.address.city}`, data.address.country].filter(Boolean).join(", ")],
        ["VAT rate", `${data.vat_rate} %`],
        ["Tax treatment", TAX_TREATMENTS.find((treatment) => treatment.value === data.tax_treatment)?.label],
        ["VAT ID", data.vat_id],
        ["Exemption reason", data.tax_exemption_reason],
        ["Invoice language", LOCALES.find((locale) => locale.value === data.locale)?.label],
        ["Peppol ID", data.peppol_id],
      ]}
    />
    <${Section} title="SIMs"><${CustomerSims} account=${account} customer=${data} /></${Section}>
    <${Section} title="Invoice preview"><${InvoicePreview} account=${account} customer=${data} /></${Section}>
    <${Section} title="Details">
      <${CustomerEdit} key=${customer.etag} account=${account} customer=${data} etag=${customer.etag} onSaved=${saved} />
    </${Section}>
    <${Section} title="Status">
      <${CustomerStatus} account=${account} customer=${data} etag=${customer.etag} onSaved=${saved} />
    </${Section}>
  </${Page}>`;
}

export const routes = [
  { path: "/accounts/:accountId/customers", view: CustomerList, inAccount: true, tab: "customers" },
  { path: "/accounts/:accountId/customers/new", view: CustomerCreate, inAccount: true, tab: "customers" },
  { path: "/accounts/:accountId/customers/:customerId", view: CustomerDetail, inAccount: true, tab: "customers" },
];
