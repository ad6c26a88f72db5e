// Operator: the accounts (filtered by type), creating one, and an account's settings with its Reseller
// Profile (FT-3001.007). A reseller's user sees its own account and profile, read-only.

import { useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { href, navigate } from "../lib/router.js";
import { dateTime } from "../lib/format.js";
import { nestErrors } from "../lib/errors.js";
import { Checkbox, Field, Form, Radios, Select, useForm } from "../components/form.js";
import { Facts, Page, Section } from "../components/page.js";
import { PagedTable, usePagedList } from "../components/table.js";
import { Badge, ErrorNotice, Loading, Notice } from "../components/status.js";

const RESELLER_FEATURE = "FT-3001.007";

const NEW_PROFILE = {
  customer_invoice_creation: true,
  customer_invoice_type: "BOTH",
  billing_cycle_day: 1,
  invoice_number_prefix: "INV-",
};

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
    </fieldset>`}
  `;
}

function AccountCreate({ config }) {
  const form = useForm({ name: "", type: "STANDARD", currency: "EUR", bill_cycle_day: 1, reseller_profile: NEW_PROFILE });
  const save = () =>
    form
      .submit(async (values, idempotencyKey) => {
        const { reseller_profile: profile, ...account } = values;
        const body = { ...account, ...(values.type === "RESELLER" ? { reseller_profile: profile } : {}) };
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
  const form = useForm({ ...account, reseller_profile: profile || NEW_PROFILE });
  const save = () =>
    form
      .submit(async (values) => {
        const change = changedFields(values, account, ["name", "bill_cycle_day", "type"]);
        if (change.type === "RESELLER") change.reseller_profile = values.reseller_profile;
        if (Object.keys(change).length) await api.patch(accountPath(account.id), change, { etag: accountEtag });
        const profileChanged = JSON.stringify(values.reseller_profile) !== JSON.stringify(profile);
        if (account.type === "RESELLER" && values.type === "RESELLER" && profileChanged) {
          const { account_id: _, billing_cycle_history: __, ...body } = values.reseller_profile;
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
