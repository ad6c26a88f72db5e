// A reseller's price plans: the list, creating one, and a plan's page (its prices, editing, deleting,
// and its price versions).

import { useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { href, navigate } from "../lib/router.js";
import { date, decimalInput, number, price, todayUtc } from "../lib/format.js";
import { Checkbox, Field, Form, Radios, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { DataTable, PagedTable, usePagedList } from "../components/table.js";
import { ErrorNotice, Loading, Notice } from "../components/status.js";

const SERVICES = [
  { service: "DATA", label: "Data", unit: "MB" },
  { service: "SMS", label: "SMS", unit: "messages" },
];

const POOL_TYPES = [
  { value: "INDIVIDUAL", label: "Individual: each SIM has its own allowance" },
  { value: "POOL", label: "Pool: a customer's SIMs on a product share their allowances" },
];

const EMPTY_ALLOWANCE = { enabled: false, included: "", overage_price: "" };

function formValues(plan) {
  const allowances = Object.fromEntries(SERVICES.map(({ service }) => [service, { ...EMPTY_ALLOWANCE }]));
  for (const allowance of plan?.allowances || []) {
    allowances[allowance.service] = { enabled: true, included: allowance.included, overage_price: allowance.overage_price };
  }
  return {
    name: plan?.name || "",
    activation_fee: plan?.activation_fee || "0",
    monthly_fee: plan?.monthly_fee || "",
    pool_type: plan?.pool_type || "INDIVIDUAL",
    allowances,
    mrc_tiers: (plan?.mrc_tiers || []).map((tier) => ({ ...tier, min_active_sims: String(tier.min_active_sims) })),
  };
}

/** The API's body, and how to name the form's fields in its errors (allowances are sent as a list). */
function planRequest(values) {
  const services = SERVICES.map(({ service }) => service).filter((service) => values.allowances[service].enabled);
  const body = {
    name: values.name,
    activation_fee: decimalInput(values.activation_fee),
    monthly_fee: decimalInput(values.monthly_fee),
    pool_type: values.pool_type,
    allowances: services.map((service) => ({
      service,
      included: decimalInput(values.allowances[service].included),
      overage_price: decimalInput(values.allowances[service].overage_price),
    })),
    mrc_tiers: values.mrc_tiers.map((tier) => ({
      min_active_sims: /^\d+$/.test(tier.min_active_sims) ? Number(tier.min_active_sims) : tier.min_active_sims,
      monthly_fee: decimalInput(tier.monthly_fee),
    })),
  };
  const rename = (path) => path.replace(/^allowances\.(\d+)(\.|$)/, (_, index, dot) => `allowances.${services[Number(index)]}${dot || ".included"}`);
  return { body, rename };
}

function PlanFields({ form, currency }) {
  const tiers = form.value("mrc_tiers");
  return html`
    <${Field} form=${form} name="name" label="Name" required maxlength="200" />
    <div class="row">
      <${Field} form=${form} name="monthly_fee" label=${`Monthly fee per SIM (${currency})`} required inputmode="decimal" className="narrow" />
      <${Field} form=${form} name="activation_fee" label=${`Activation fee (${currency})`} required inputmode="decimal" className="narrow" />
    </div>
    <${Radios} form=${form} name="pool_type" legend="Allowances are" options=${POOL_TYPES} />
    ${SERVICES.map(
      ({ service, label, unit }) => html`<fieldset class="group" key=${service}>
        <legend>${label}</legend>
        <${Checkbox} form=${form} name=${`allowances.${service}.enabled`} label=${`The plan includes ${label.toLowerCase()}`} />
        ${form.value(`allowances.${service}.enabled`) &&
        html`<div class="row">
          <${Field}
            form=${form}
            name=${`allowances.${service}.included`}
            label=${`Included per SIM and month (${unit})`}
            required
            inputmode="decimal"
            className="narrow"
          />
          <${Field}
            form=${form}
            name=${`allowances.${service}.overage_price`}
            label=${`Price per ${unit === "MB" ? "MB" : "message"} above it (${currency})`}
            required
            inputmode="decimal"
            className="narrow"
          />
        </div>`}
      </fieldset>`,
    )}
    <fieldset class="group">
      <legend>Volume tiers of the monthly fee</legend>
      <p class="hint">From a number of the customer's active SIMs on a product, every SIM costs the tier's monthly fee.</p>
      ${tiers.map(
        (_, index) => html`<div class="row tier" key=${index}>
          <${Field} form=${form} name=${`mrc_tiers.${index}.min_active_sims`} label="From active SIMs" required inputmode="numeric" className="narrow" />
          <${Field} form=${form} name=${`mrc_tiers.${index}.monthly_fee`} label=${`Monthly fee (${currency})`} required inputmode="decimal" className="narrow" />
          <button type="button" class="link" onClick=${() => form.set("mrc_tiers", tiers.filter((__, other) => other !== index))}>
            Remove tier ${index + 1}
          </button>
        </div>`,
      )}
      <button type="button" onClick=${() => form.set("mrc_tiers", [...tiers, { min_active_sims: "", monthly_fee: "" }])}>Add a tier</button>
    </fieldset>
  `;
}

function allowanceText(plan) {
  if (!plan.allowances.length) return "—";
  return plan.allowances
    .map((allowance) => {
      const { unit, label } = SERVICES.find((service) => service.service === allowance.service);
      return `${label} ${number(allowance.included)} ${unit}, then ${price(allowance.overage_price, plan.currency)}`;
    })
    .join("; ");
}

function PlanList({ account }) {
  const list = usePagedList(accountPath(account.id, "price-plans"));
  const base = `/accounts/${account.id}/price-plans`;
  const columns = [
    { label: "Name", render: (plan) => html`<a href=${href(`${base}/${plan.id}`)}>${plan.name}</a>` },
    { label: "Monthly fee", render: (plan) => price(plan.monthly_fee, plan.currency), numeric: true },
    { label: "Activation fee", render: (plan) => price(plan.activation_fee, plan.currency), numeric: true },
    { label: "Allowances", render: (plan) => `${plan.pool_type.toLowerCase()}: ${allowanceText(plan)}` },
    { label: "Tiers", render: (plan) => plan.mrc_tiers.length || "—", numeric: true },
  ];
  return html`<${Page} title="Price plans" actions=${html`<a class="button primary" href=${href(`${base}/new`)}>New price plan</a>`}>
    <${PagedTable}
      list=${list}
      caption="Price plans"
      columns=${columns}
      empty=${html`<p>No price plans yet. Products are sold on a price plan.</p><a class="button" href=${href(`${base}/new`)}>Create a price plan</a>`}
    />
  </${Page}>`;
}

function PlanCreate({ account }) {
  const form = useForm(formValues(null));
  const base = `/accounts/${account.id}/price-plans`;
  const save = () => {
    const { body, rename } = planRequest(form.values);
    return form
      .submit(async (_, idempotencyKey) => (await api.post(accountPath(account.id, "price-plans"), body, { idempotencyKey })).data, { rename })
      .then((created) => created && navigate(`${base}/${created.id}`));
  };
  return html`<${Page} title="New price plan" subtitle=${`Prices in ${account.currency}, the account's currency.`}>
    <${Form} form=${form} onSubmit=${save} submitLabel="Create price plan" actions=${html`<a class="button" href=${href(base)}>Cancel</a>`}>
      <${PlanFields} form=${form} currency=${account.currency} />
    </${Form}>
  </${Page}>`;
}

/** Price versions (each cycle is priced with the version in force on its first day). */
function Versions({ plan }) {
  return html`<${DataTable}
    caption="Price versions"
    rowKey=${(version) => version.version}
    rows=${plan.versions}
    columns=${[
      { label: "Version", render: (version) => version.version, numeric: true },
      { label: "In force from", render: (version) => (version.effective_from ? date(version.effective_from) : "the start") },
      { label: "Monthly fee", render: (version) => price(version.monthly_fee, plan.currency), numeric: true },
      { label: "Activation fee", render: (version) => price(version.activation_fee, plan.currency), numeric: true },
      { label: "Allowances", render: (version) => allowanceText({ ...version, currency: plan.currency }) },
    ]}
  />`;
}

function DeletePlan({ account, plan }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState(null);
  const remove = async () => {
    try {
      await api.delete(accountPath(account.id, "price-plans", plan.id));
      navigate(`/accounts/${account.id}/price-plans`);
    } catch (failure) {
      setError(failure);
      setAsking(false);
    }
  };
  return html`<div class="danger-zone">
    ${error && html`<${ErrorNotice} error=${error} />`}
    ${asking
      ? html`<p>Delete “${plan.name}”? This cannot be undone.</p>
          <button type="button" class="danger" onClick=${remove}>Delete the plan</button>
          <button type="button" onClick=${() => setAsking(false)}>Keep it</button>`
      : html`<button type="button" class="danger" onClick=${() => setAsking(true)}>Delete…</button>
          <p class="hint">Only a plan no product uses can be deleted.</p>`}
  </div>`;
}

function PlanEdit({ account, plan, etag, onSaved }) {
  const form = useForm({ ...formValues(plan), effective_from: "" });
  const save = () => {
    const { body, rename } = planRequest(form.values);
    // Only what changed: a name changes at once, and only changed prices make a new price version.
    const before = planRequest(formValues(plan)).body;
    const change = Object.fromEntries(Object.entries(body).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(before[name])));
    if (form.values.effective_from) change.effective_from = form.values.effective_from;
    return form
      .submit(async () => (Object.keys(change).length ? (await api.patch(accountPath(account.id, "price-plans", plan.id), change, { etag })).data : plan), { rename })
      .then((updated) => updated && onSaved());
  };
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Save prices">
    <p class="hint">New prices price the cycles that start on or after the day they take effect; earlier cycles keep theirs.</p>
    <${PlanFields} form=${form} currency=${plan.currency} />
    <${Field} form=${form} name="effective_from" label="Prices in force from" type="date" min=${todayUtc()} hint="Today if left empty." className="narrow" />
  </${Form}>`;
}

function PlanDetail({ account, params }) {
  const plan = useResource(accountPath(account.id, "price-plans", params.planId));
  const [saved, setSaved] = useState(false);
  if (plan.error?.status === 404) return html`<${NotFound} what="price plan" />`;
  if (plan.error) return html`<${ErrorNotice} error=${plan.error} retry=${plan.reload} />`;
  if (!plan.data) return html`<${Loading} what="Loading the price plan" />`;
  const data = plan.data;
  return html`<${Page} title=${data.name} subtitle="Price plan">
    ${saved && html`<${Notice} kind="good">Saved.</${Notice}>`}
    <${Facts}
      items=${[
        ["Monthly fee per SIM", price(data.monthly_fee, data.currency)],
        ["Activation fee", price(data.activation_fee, data.currency)],
        ["Allowances", `${data.pool_type.toLowerCase()}: ${allowanceText(data)}`],
        [
          "Volume tiers",
          data.mrc_tiers.length
            ? data.mrc_tiers.map((tier) => `from ${number(tier.min_active_sims)} SIMs ${price(tier.monthly_fee, data.currency)}`).join("; ")
            : "none",
        ],
      ]}
    />
    <${Section} title="Price versions"><${Versions} plan=${data} /></${Section}>
    <${Section} title="Edit">
      <${PlanEdit}
        key=${plan.etag}
        account=${account}
        plan=${data}
        etag=${plan.etag}
        onSaved=${() => {
          setSaved(true);
          plan.reload();
        }}
      />
    </${Section}>
    <${Section} title="Delete"><${DeletePlan} account=${account} plan=${data} /></${Section}>
  </${Page}>`;
}

export const routes = [
  { path: "/accounts/:accountId/price-plans", view: PlanList, inAccount: true, tab: "price-plans" },
  { path: "/accounts/:accountId/price-plans/new", view: PlanCreate, inAccount: true, tab: "price-plans" },
  { path: "/accounts/:accountId/price-plans/:planId", view: PlanDetail, inAccount: true, tab: "price-plans" },
];
