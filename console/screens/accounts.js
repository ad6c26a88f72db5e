// Operator: the accounts (filtered by type), creating one, and an account's settings with its Reseller
// Profile (FT-3001.007) and its invoicing side (payment terms, e-invoice, issuer, bank account, footer).
// A reseller's user sees its own account and profile, read-only.

import { useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { href, navigate } from "../lib/router.js";
import { dateTime, iban } from "../lib/format.js";
import { nestErrors } from "../lib/errors.js";
import { Checkbox, Field, Form, Radios, Select, TextArea, useForm } from "../components/form.js";
import { Facts, Page, Section } from "../components/page.js";
import { PagedTable, usePagedList } from "../components/table.js";
import { Badge, ErrorNotice, Loading, Notice } from "../components/status.js";

const RESELLER_FEATURE = "FT-3001.007";

const EMPTY_ADDRESS = { line1: "", line2: "", postal_code: "", city: "", country: "" };
const EMPTY_ISSUER = { legal_name: "", address: EMPTY_ADDRESS, vat_id: "", registration_number: "", email: "", peppol_id: "" };

const NEW_PROFILE = {
  customer_invoice_creation: true,
  customer_invoice_type: "BOTH",
  billing_cycle_day: 1,
  invoice_number_prefix: "INV-",
  credit_note_prefix: "CN-",
  payment_terms_days: 30,
  e_invoice_format: "NONE",
  invoice_footer: "",
  issuer: EMPTY_ISSUER,
  bank_account: { iban: "", bic: "" },
};

const E_INVOICE_FORMATS = [
  { value: "NONE", label: "None" },
  { value: "UBL", label: "UBL 2.1 (Peppol BIS Billing 3.0)" },
  { value: "FACTUR_X", label: "Factur-X (EN 16931; the PDF becomes a PDF/A-3 with the XML inside)" },
];

/** The profile as the form holds it: every text a string, so that an input never shows "null". */
function profileValues(profile) {
  if (!profile) return NEW_PROFILE;
  const { account_id: _, billing_cycle_history: __, ...rest } = profile;
  const issuer = profile.issuer || {};
  return {
    ...NEW_PROFILE,
    ...rest,
    invoice_footer: profile.invoice_footer || "",
    issuer: {
      ...EMPTY_ISSUER,
      ...Object.fromEntries(Object.entries(issuer).map(([name, value]) => [name, value ?? ""])),
      address: { ...EMPTY_ADDRESS, ...Object.fromEntries(Object.entries(issuer.address || {}).map(([name, value]) => [name, value ?? ""])) },
    },
    bank_account: { iban: profile.bank_account?.iban || "", bic: profile.bank_account?.bic || "" },
  };
}

/** Only the texts filled in: an optional field left empty is not sent (the API refuses an empty string). */
function filled(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== "" && value !== null && value !== undefined));
}

/** The API's profile body from the form's values: the issuer and the bank account only when filled in. */
function profileBody(values) {
  const { issuer, bank_account: bank, invoice_footer: footer, ...rest } = values;
  const address = filled(issuer.address);
  const seller = filled({ ...issuer, address: Object.keys(address).length ? address : "" });
  const account = filled(bank);
  return {
    ...rest,
    ...(Object.keys(seller).length ? { issuer: seller } : {}),
    ...(Object.keys(account).length ? { bank_account: account } : {}),
    ...(footer.trim() ? { invoice_footer: footer } : {}),
  };
}

const INVOICE_TYPES = [
  { value: "RAW", label: "RAW (invoice.json and invoice.csv)" },
  { value: "PDF", label: "PDF" },
  { value: "BOTH", label: "Both (RAW & PDF)" },
];

const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "PLN", "CZK", "SEK", "NOK", "DKK", "JPY", "BHD"];

const upperCase = (text) => text.toUpperCase();

function isLicensed(config) {
  return (config.licensed_features || "")
    .split(",")
    .map((code) => code.trim())
    .includes(RESELLER_FEATURE);
}

function AccountList({ query }) {
  const type = query.get("type") || "";
  const list = usePagedList("/accounts", { type });
  const columns = [
    { label: "Name", render: (account) => html`<a href=${href(`/accounts/${account.id}`)}>${account.name}</a>` },
    { label: "Type", render: (account) => html`<${Badge} value=${account.type} />` },
    { label: "Currency", render: (account) => account.currency },
    { label: "Bill cycle day", render: (account) => account.bill_cycle_day, numeric: true },
    { label: "Customer billing cycle day", render: (account) => account.reseller_profile?.billing_cycle_day ?? "—", numeric: true },
    { label: "Created", render: (account) => dateTime(account.created_at) },
  ];
  return html`<${Page} title="Accounts" actions=${html`<a class="button primary" href="#/accounts/new">New account</a>`}>
    <div class="filters">
      <label for="type-filter">Type</label>
      <select id="type-filter" onChange=${(event) => navigate("/accounts", { type: event.target.value })}>
        <option value="" selected=${!type}>All</option>
        <option value="STANDARD" selected=${type === "STANDARD"}>Standard</option>
        <option value="RESELLER" selected=${type === "RESELLER"}>Reseller</option>
      </select>
    </div>
    <${PagedTable}
      list=${list}
      caption="Accounts"
      columns=${columns}
      empty=${type ? html`<p>No ${type.toLowerCase()} accounts.</p>` : html`<p>No accounts yet.</p><a class="button" href="#/accounts/new">Create the first</a>`}
    />
  </${Page}>`;
}

/** The seed's account screen: account fields, and the Reseller Profile when the type is Reseller. */
function AccountFields({ form, config, creating, wasReseller }) {
  const licensed = isLicensed(config);
  const reseller = form.value("type") === "RESELLER";
  return html`
    <${Field} form=${form} name="name" label="Name" required maxlength="200" autocomplete="organization" />
    <div class="row">
      <${Select}
        form=${form}
        name="type"
        label="Account type"
        options=${[
          { value: "STANDARD", label: "Standard" },
          { value: "RESELLER", label: licensed ? "Reseller" : "Reseller (not licensed)", disabled: !licensed && !wasReseller },
        ]}
        hint=${licensed
          ? "A reseller has its own customers, price plans and products, and invoices each customer."
          : `Reseller accounts need the licensed add-on ${RESELLER_FEATURE} “Define Account as Reseller”, which this platform does not have.`}
      />
      ${creating
        ? html`<${Field}
            form=${form}
            name="currency"
            label="Currency"
            required
            pattern="[A-Z]{3}"
            maxlength="3"
            normalize=${upperCase}
            list="currencies"
            hint="ISO 4217, e.g. EUR. Price plans and invoices use it; it cannot change later."
          />
          <datalist id="currencies">${CURRENCIES.map((code) => html`<option key=${code} value=${code} />`)}</datalist>`
        : html`<div class="field"><span class="label">Currency</span><p class="value">${form.value("currency")}</p></div>`}
    </div>
    <${Field}
      form=${form}
      name="bill_cycle_day"
      label="Bill cycle (day of month)"
      type="number"
      min="1"
      max="28"
      required
      className="narrow"
      hint="The day the operator bills this account, 1–28."
    />
    ${reseller &&
    html`<fieldset class="group">
      <legend>Reseller Profile</legend>
      <${Checkbox}
        form=${form}
        name="reseller_profile.customer_invoice_creation"
        label="Customer invoice creation"
        hint="Create invoices for this reseller's customers every billing cycle."
      />
      <${Radios} form=${form} name="reseller_profile.customer_invoice_type" legend="Customer invoice type" options=${INVOICE_TYPES} />
      <${Field}
        form=${form}
        name="reseller_profile.billing_cycle_day"
        label="Billing cycle (day of month)"
        type="number"
        min="1"
        max="28"
        required
        className="narrow"
        hint=${`The day each customer billing cycle starts, 1–28: the same as or different from the account's bill cycle (day ${form.value("bill_cycle_day") || "–"}).`}
      />
      <${Field}
        form=${form}
        name="reseller_profile.invoice_number_prefix"
        label="Invoice number prefix"
        pattern="[A-Z0-9\\-]{1,12}"
        maxlength="12"
        normalize=${upperCase}
        className="narrow"
        hint="1–12 of A–Z, 0–9 and “-”. Invoices are numbered PREFIX + year + sequence, e.g. INV-2026-000001."
      />
      <${Field}
        form=${form}
        name="reseller_profile.credit_note_prefix"
        label="Credit note number prefix"
        pattern="[A-Z0-9\\-]{1,12}"
        maxlength="12"
        normalize=${upperCase}
        className="narrow"
        hint="Credit notes have a series of their own: PREFIX + year + sequence, e.g. CN-2026-000001."
      />
      <${InvoicingFields} form=${form} />
    </fieldset>`}
  `;
}

/** The profile's legal side: terms, e-invoices, the reseller as seller on its invoices, where to pay. */
function InvoicingFields({ form }) {
  const p = "reseller_profile.";
  const upper = (text) => text.toUpperCase();
  return html`
    <div class="row">
      <${Field}
        form=${form}
        name=${`${p}payment_terms_days`}
        label="Payment terms (days)"
        type="number"
        min="0"
        max="120"
        required
        className="narrow"
        hint="0–120: the due date is the issue date plus these days."
      />
      <${Select}
        form=${form}
        name=${`${p}e_invoice_format`}
        label="E-invoice"
        options=${E_INVOICE_FORMATS}
        hint="An XML e-invoice (artefact xml) besides the invoice type's files."
      />
    </div>
    <${TextArea}
      form=${form}
      name=${`${p}invoice_footer`}
      label="Invoice footer"
      maxlength="500"
      rows="2"
      hint="Printed at the foot of every invoice, up to 500 characters."
    />
    <fieldset class="group">
      <legend>Issuer: the reseller as seller on its invoices</legend>
      <p class="hint">Printed on every invoice and the seller of its e-invoices. Leave it empty to fill in later.</p>
      <div class="row">
        <${Field} form=${form} name=${`${p}issuer.legal_name`} label="Legal name" maxlength="200" autocomplete="off" />
        <${Field} form=${form} name=${`${p}issuer.registration_number`} label="Registration number" maxlength="100" hint="e.g. HRB 12345, Amtsgericht Hamburg" />
      </div>
      <${Field} form=${form} name=${`${p}issuer.address.line1`} label="Issuer street and number" maxlength="200" autocomplete="off" />
      <${Field} form=${form} name=${`${p}issuer.address.line2`} label="Issuer address line 2" maxlength="200" autocomplete="off" />
      <div class="row">
        <${Field} form=${form} name=${`${p}issuer.address.postal_code`} label="Issuer postal code" maxlength="20" className="narrow" autocomplete="off" />
        <${Field} form=${form} name=${`${p}issuer.address.city`} label="Issuer city" maxlength="200" autocomplete="off" />
        <${Field}
          form=${form}
          name=${`${p}issuer.address.country`}
          label="Issuer country"
          maxlength="2"
          normalize=${upper}
          className="narrow"
          hint="ISO code, e.g. DE"
          autocomplete="off"
        />
      </div>
      <div class="row">
        <${Field} form=${form} name=${`${p}issuer.vat_id`} label="Issuer VAT ID" maxlength="40" normalize=${upper} hint="With its country prefix, e.g. DE136695976" autocomplete="off" />
        <${Field} form=${form} name=${`${p}issuer.email`} label="Issuer e-mail" type="email" maxlength="254" autocomplete="off" />
        <${Field} form=${form} name=${`${p}issuer.peppol_id`} label="Issuer Peppol ID" maxlength="130" hint="scheme:identifier, e.g. 0208:0123456749" autocomplete="off" />
      </div>
    </fieldset>
    <fieldset class="group">
      <legend>Bank account: where customers pay</legend>
      <div class="row">
        <${Field} form=${form} name=${`${p}bank_account.iban`} label="IBAN" maxlength="42" normalize=${upper} hint="Its check digits are verified" autocomplete="off" />
        <${Field} form=${form} name=${`${p}bank_account.bic`} label="BIC" maxlength="14" normalize=${upper} className="narrow" autocomplete="off" />
      </div>
    </fieldset>
  `;
}

function AccountCreate({ config }) {
  const form = useForm({ name: "", type: "STANDARD", currency: "EUR", bill_cycle_day: 1, reseller_profile: NEW_PROFILE });
  const save = () =>
    form
      .submit(async (values, idempotencyKey) => {
        const { reseller_profile: profile, ...account } = values;
        const body = { ...account, ...(values.type === "RESELLER" ? { reseller_profile: profileBody(profile) } : {}) };
        return (await api.post("/accounts", body, { idempotencyKey })).data;
      })
      .then((created) => created && navigate(`/accounts/${created.id}`));
  return html`<${Page} title="New account">
    <${Form} form=${form} onSubmit=${save} submitLabel="Create account" actions=${html`<a href="#/accounts" class="button">Cancel</a>`}>
      <${AccountFields} form=${form} config=${config} creating=${true} />
    </${Form}>
  </${Page}>`;
}

function changedFields(values, original, names) {
  return Object.fromEntries(names.filter((name) => values[name] !== original[name]).map((name) => [name, values[name]]));
}

function AccountEdit({ account, profile, accountEtag, profileEtag, config, onSaved }) {
  const form = useForm({ ...account, reseller_profile: profileValues(profile) });
  const save = () =>
    form
      .submit(async (values) => {
        const change = changedFields(values, account, ["name", "bill_cycle_day", "type"]);
        if (change.type === "RESELLER") change.reseller_profile = profileBody(values.reseller_profile);
        if (Object.keys(change).length) await api.patch(accountPath(account.id), change, { etag: accountEtag });
        const body = profileBody(values.reseller_profile);
        const profileChanged = JSON.stringify(body) !== JSON.stringify(profileBody(profileValues(profile)));
        if (account.type === "RESELLER" && values.type === "RESELLER" && profileChanged) {
          await api.put(accountPath(account.id, "reseller-profile"), body, { etag: profileEtag }).catch((error) => {
            throw nestErrors("reseller_profile.", error);
          });
        }
        return true;
      })
      .then((ok) => ok && onSaved());
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Save changes">
    <${AccountFields} form=${form} config=${config} creating=${false} wasReseller=${account.type === "RESELLER"} />
  </${Form}>`;
}

function ProfileFacts({ profile }) {
  return html`<${Facts}
    items=${[
      ["Customer invoice creation", profile.customer_invoice_creation ? "On" : "Off"],
      ["Customer invoice type", INVOICE_TYPES.find((type) => type.value === profile.customer_invoice_type)?.label],
      ["Billing cycle (day of month)", profile.billing_cycle_day],
      ["Invoice number prefix", profile.invoice_number_prefix],
      ["Credit note number prefix", profile.credit_note_prefix],
      ["Payment terms", `${profile.payment_terms_days} days`],
      ["E-invoice", E_INVOICE_FORMATS.find((format) => format.value === profile.e_invoice_format)?.label],
      ["Issuer", profile.issuer && [profile.issuer.legal_name, profile.issuer.vat_id].filter(Boolean).join(" · ")],
      ["Bank account", profile.bank_account && [iban(profile.bank_account.iban), profile.bank_account.bic].filter(Boolean).join(" · ")],
      ["Invoice footer", profile.invoice_footer],
    ]}
  />`;
}

/** The account tab: settings for the operator, a read-only summary for the reseller's own user. */
function AccountOverview({ params, session, config, reloadAccount }) {
  const [saved, setSaved] = useState(false);
  const account = useResource(accountPath(params.accountId));
  const reseller = account.data?.type === "RESELLER";
  const profile = useResource(reseller ? accountPath(params.accountId, "reseller-profile") : null);
  if (account.error) return html`<${ErrorNotice} error=${account.error} retry=${account.reload} />`;
  if (!account.data || (reseller && !profile.data && !profile.error)) return html`<${Loading} what="Loading the account" />`;
  const data = account.data;
  const reload = () => {
    setSaved(true);
    account.reload();
    profile.reload();
    reloadAccount();
  };
  if (session.role !== "operator") {
    return html`<${Page} title="Account">
      <${Facts}
        items=${[
          ["Name", data.name],
          ["Currency", data.currency],
          ["Bill cycle (day of month)", data.bill_cycle_day],
          ["Created", dateTime(data.created_at)],
        ]}
      />
      ${profile.data && html`<${Section} title="Reseller Profile"><${ProfileFacts} profile=${profile.data} /></${Section}>`}
      <p class="muted">The operator manages these settings.</p>
    </${Page}>`;
  }
  return html`<${Page} title="Account settings" subtitle=${`${data.id} · created ${dateTime(data.created_at)}`}>
    ${saved && html`<${Notice} kind="good">Saved.</${Notice}>`}
    <${AccountEdit}
      key=${`${account.etag}-${profile.etag}`}
      account=${data}
      profile=${profile.data}
      accountEtag=${account.etag}
      profileEtag=${profile.etag}
      config=${config}
      onSaved=${reload}
    />
  </${Page}>`;
}

export const routes = [
  { path: "/accounts", view: AccountList, operator: true },
  { path: "/accounts/new", view: AccountCreate, operator: true },
  { path: "/accounts/:accountId", view: AccountOverview, inAccount: true, tab: "account" },
];
