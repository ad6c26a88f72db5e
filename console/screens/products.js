// A reseller's products: what its customers' SIMs are sold as, each on a price plan.

import { useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { useResource } from "../lib/resource.js";
import { useAll } from "../lib/lookups.js";
import { href, navigate } from "../lib/router.js";
import { date, dateTime, todayUtc } from "../lib/format.js";
import { Field, Form, Select, TextArea, useForm } from "../components/form.js";
import { Facts, NotFound, Page, Section } from "../components/page.js";
import { DataTable, PagedTable, usePagedList } from "../components/table.js";
import { Badge, ErrorNotice, Loading, Notice } from "../components/status.js";

function planOptions(plans) {
  return [{ value: "", label: "Choose a price plan" }, ...plans.items.map((plan) => ({ value: plan.id, label: plan.name }))];
}

function ProductFields({ form, plans, creating }) {
  return html`
    <div class="row">
      ${creating &&
      html`<${Field}
        form=${form}
        name="code"
        label="Code"
        required
        maxlength="40"
        pattern="[A-Za-z0-9][A-Za-z0-9._\\-]*"
        className="narrow"
        hint="Unique among your products, e.g. IOT-EU-1GB"
      />`}
      <${Field} form=${form} name="name" label="Name" required maxlength="200" />
    </div>
    <${TextArea} form=${form} name="description" label="Description" maxlength="1000" rows="3" />
    <${Select}
      form=${form}
      name="price_plan_id"
      label="Price plan"
      required
      options=${planOptions(plans)}
      hint=${creating ? null : "Another plan prices the product's cycles from the day below; earlier cycles keep their plan."}
    />
    ${!creating &&
    html`<${Select}
      form=${form}
      name="status"
      label="Status"
      options=${[
        { value: "ACTIVE", label: "Active" },
        { value: "RETIRED", label: "Retired: takes no new SIMs; its SIMs are still billed" },
      ]}
    />`}
  `;
}

function ProductList({ account }) {
  const list = usePagedList(accountPath(account.id, "products"));
  const plans = useAll(accountPath(account.id, "price-plans"));
  const base = `/accounts/${account.id}/products`;
  const columns = [
    { label: "Code", render: (product) => html`<a href=${href(`${base}/${product.id}`)}>${product.code}</a>` },
    { label: "Name", render: (product) => product.name },
    { label: "Price plan", render: (product) => plans.byId[product.price_plan_id]?.name || "…" },
    { label: "Status", render: (product) => html`<${Badge} value=${product.status} />` },
  ];
  return html`<${Page} title="Products" actions=${html`<a class="button primary" href=${href(`${base}/new`)}>New product</a>`}>
    <${PagedTable}
      list=${list}
      caption="Products"
      columns=${columns}
      empty=${html`<p>No products yet.</p><a class="button" href=${href(`${base}/new`)}>Create a product</a>`}
    />
  </${Page}>`;
}

function ProductCreate({ account }) {
  const plans = useAll(accountPath(account.id, "price-plans"));
  const form = useForm({ code: "", name: "", description: "", price_plan_id: "" });
  const base = `/accounts/${account.id}/products`;
  const save = () =>
    form
      .submit(async (values, idempotencyKey) => (await api.post(accountPath(account.id, "products"), values, { idempotencyKey })).data)
      .then((created) => created && navigate(`${base}/${created.id}`));
  if (plans.loading) return html`<${Loading} what="Loading price plans" />`;
  return html`<${Page} title="New product">
    ${plans.error && html`<${ErrorNotice} error=${plans.error} />`}
    ${!plans.error && plans.items.length === 0
      ? html`<p>A product is sold on a price plan: <a href=${href(`/accounts/${account.id}/price-plans/new`)}>create a price plan</a> first.</p>`
      : html`<${Form} form=${form} onSubmit=${save} submitLabel="Create product" actions=${html`<a class="button" href=${href(base)}>Cancel</a>`}>
          <${ProductFields} form=${form} plans=${plans} creating=${true} />
        </${Form}>`}
  </${Page}>`;
}

function ProductEdit({ account, product, etag, plans, onSaved }) {
  const form = useForm({ ...product, effective_from: "" });
  const moving = form.value("price_plan_id") !== product.price_plan_id;
  const save = () =>
    form
      .submit(async ({ name, description, price_plan_id: planId, status, effective_from: from }) => {
        const body = { name, description, price_plan_id: planId, status };
        // A day is only for a move to another plan (the API refuses one without a plan to change).
        if (planId !== product.price_plan_id && from) body.effective_from = from;
        return (await api.patch(accountPath(account.id, "products", product.id), body, { etag })).data;
      })
      .then((updated) => updated && onSaved());
  return html`<${Form} form=${form} onSubmit=${save} submitLabel="Save changes">
    <${ProductFields} form=${form} plans=${plans} creating=${false} />
    ${moving &&
    html`<${Field}
      form=${form}
      name="effective_from"
      label="On the new plan from"
      type="date"
      min=${todayUtc()}
      className="narrow"
      hint="The first day of the cycles the new plan prices; today if left empty. Earlier cycles keep their plan."
    />`}
  </${Form}>`;
}

function ProductDetail({ account, params }) {
  const product = useResource(accountPath(account.id, "products", params.productId));
  const plans = useAll(accountPath(account.id, "price-plans"));
  const [saved, setSaved] = useState(false);
  if (product.error?.status === 404) return html`<${NotFound} what="product" />`;
  if (product.error) return html`<${ErrorNotice} error=${product.error} retry=${product.reload} />`;
  if (!product.data || plans.loading) return html`<${Loading} what="Loading the product" />`;
  const data = product.data;
  const plan = plans.byId[data.price_plan_id];
  return html`<${Page} title=${data.name} subtitle=${`Product ${data.code}`}>
    ${saved && html`<${Notice} kind="good">Saved.</${Notice}>`}
    <${Facts}
      items=${[
        ["Status", html`<${Badge} value=${data.status} />`],
        ["Price plan", plan ? html`<a href=${href(`/accounts/${account.id}/price-plans/${plan.id}`)}>${plan.name}</a>` : data.price_plan_id],
        ["Description", data.description],
        ["Updated", dateTime(data.updated_at)],
      ]}
    />
    <${Section} title="Price plans over time">
      <${DataTable}
        caption="Price plans over time"
        rowKey=${(entry) => entry.effective_from || "start"}
        rows=${data.plan_history}
        columns=${[
          { label: "From", render: (entry) => (entry.effective_from ? date(entry.effective_from) : "the start") },
          { label: "Price plan", render: (entry) => plans.byId[entry.price_plan_id]?.name || entry.price_plan_id },
        ]}
      />
    </${Section}>
    <${Section} title="Edit">
      <${ProductEdit}
        key=${product.etag}
        account=${account}
        product=${data}
        etag=${product.etag}
        plans=${plans}
        onSaved=${() => {
          setSaved(true);
          product.reload();
        }}
      />
    </${Section}>
  </${Page}>`;
}

export const routes = [
  { path: "/accounts/:accountId/products", view: ProductList, inAccount: true, tab: "products" },
  { path: "/accounts/:accountId/products/new", view: ProductCreate, inAccount: true, tab: "products" },
  { path: "/accounts/:accountId/products/:productId", view: ProductDetail, inAccount: true, tab: "products" },
];
