// The console: boots with config.json, signs in, and shows the screen the address names. Each screen
// module exports its routes; account screens (`inAccount`) render inside the account's frame and tabs.

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { html } from "./lib/html.js";
import { match, navigate, useLocation } from "./lib/router.js";
import { currentSession, endSession, onSessionChange } from "./lib/session.js";
import { completeHostedSignIn, revokeRefreshToken, signOutUrl } from "./lib/auth.js";
import { useResource } from "./lib/resource.js";
import { accountPath } from "./lib/api.js";
import { Badge, ErrorNotice, Loading } from "./components/status.js";
import { NotFound } from "./components/page.js";
import { SignIn } from "./screens/sign-in.js";
import * as accounts from "./screens/accounts.js";
import * as customers from "./screens/customers.js";
import * as sims from "./screens/sims.js";
import * as pricePlans from "./screens/price-plans.js";
import * as products from "./screens/products.js";
import * as stock from "./screens/stock.js";
import * as usage from "./screens/usage.js";
import * as billingRuns from "./screens/billing-runs.js";
import * as invoices from "./screens/invoices.js";
import * as creditNotes from "./screens/credit-notes.js";

const ROUTES = [
  ...accounts.routes,
  ...customers.routes,
  ...sims.routes,
  ...pricePlans.routes,
  ...products.routes,
  ...stock.routes,
  ...usage.routes,
  ...billingRuns.routes,
  ...invoices.routes,
  ...creditNotes.routes,
];

// The tabs of an account; `reseller` tabs only on RESELLER accounts.
const ACCOUNT_TABS = [
  { tab: "account", label: "Account", path: "" },
  { tab: "customers", label: "Customers", path: "/customers", reseller: true },
  { tab: "price-plans", label: "Price plans", path: "/price-plans", reseller: true },
  { tab: "products", label: "Products", path: "/products", reseller: true },
  { tab: "sim-stock", label: "SIM stock", path: "/sim-stock", reseller: true },
  { tab: "usage", label: "Usage", path: "/usage", reseller: true },
  { tab: "billing-runs", label: "Billing runs", path: "/billing-runs", reseller: true },
  { tab: "invoices", label: "Invoices", path: "/invoices", reseller: true },
  { tab: "credit-notes", label: "Credit notes", path: "/credit-notes", reseller: true },
  { tab: "documents", label: "Documents", path: "/documents", reseller: true },
];

function homeOf(session) {
  return session.role === "operator" ? "/accounts" : `/accounts/${encodeURIComponent(session.accountId)}/customers`;
}

function Redirect({ to }) {
  useEffect(() => navigate(to), [to]);
  return null;
}

function useSession() {
  const [session, setSession] = useState(currentSession);
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

function AccountFrame({ route, params, session, screen }) {
  const account = useResource(accountPath(params.accountId));
  if (account.loading && !account.data) return html`<${Loading} what="Loading the account" />`;
  if (account.error?.status === 404 || account.error?.status === 403) return html`<${NotFound} what="account" />`;
  if (account.error) return html`<${ErrorNotice} error=${account.error} retry=${account.reload} />`;
  const data = account.data;
  const base = `#/accounts/${encodeURIComponent(data.id)}`;
  const tabs = ACCOUNT_TABS.filter((tab) => !tab.reseller || data.type === "RESELLER");
  return html`<div class="account-frame">
    <div class="account-bar">
      ${session.role === "operator" && html`<nav aria-label="Breadcrumb" class="breadcrumb"><a href="#/accounts">Accounts</a> ›</nav>`}
      <strong class="account-name">${data.name}</strong>
      <${Badge} value=${data.type} />
    </div>
    <nav class="tabs" aria-label="Account">
      ${tabs.map(
        (tab) => html`<a key=${tab.tab} href=${base + tab.path} aria-current=${route.tab === tab.tab ? "page" : undefined}>${tab.label}</a>`,
      )}
    </nav>
    ${screen(data, account.reload)}
  </div>`;
}

function Shell({ config, session, children }) {
  const signOut = async () => {
    const next = signOutUrl(session);
    await revokeRefreshToken(session);
    endSession();
    location.assign(next);
  };
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(event) => {
      event.preventDefault();
      document.getElementById("main").focus();
    }}>Skip to content</a>
    <header class="topbar">
      <a class="brand" href="#/">Reseller billing</a>
      ${session?.role === "operator" && html`<nav aria-label="Main"><a href="#/accounts">Accounts</a></nav>`}
      ${session &&
      html`<div class="who">
        <span title=${session.user}>${session.role === "operator" ? "Operator" : "Reseller user"}${config.auth === "local" ? " (local)" : ""}</span>
        <button type="button" class="link" onClick=${signOut}>Sign out</button>
      </div>`}
    </header>
    <main id="main" tabindex="-1">${children}</main>
  </div>`;
}

function App({ config, signInError }) {
  const where = useLocation();
  const session = useSession();
  if (!session) {
    if (where.path !== "/sign-in") sessionStorage.setItem("console.return-to", location.hash);
    return html`<${Shell} config=${config}><${SignIn} config=${config} error=${signInError} /></${Shell}>`;
  }
  if (where.path === "/" || where.path === "/sign-in") {
    const back = sessionStorage.getItem("console.return-to");
    sessionStorage.removeItem("console.return-to");
    return html`<${Redirect} to=${back && back !== "#/" && !back.startsWith("#/sign-in") ? back.slice(1) : homeOf(session)} />`;
  }
  sessionStorage.removeItem("console.return-to");
  const found = match(ROUTES, where.path);
  const allowed = found && (!found.route.operator || session.role === "operator");
  if (!allowed) return html`<${Shell} config=${config} session=${session}><${NotFound} /></${Shell}>`;
  const { route, params } = found;
  const View = route.view;
  const screen = (account, reloadAccount) => html`<${View}
    key=${where.path}
    params=${params}
    query=${where.query}
    session=${session}
    config=${config}
    account=${account}
    reloadAccount=${reloadAccount}
  />`;
  return html`<${Shell} config=${config} session=${session}>
    ${route.inAccount
      ? html`<${AccountFrame} key=${params.accountId} route=${route} params=${params} session=${session} screen=${screen} />`
      : screen(null, null)}
  </${Shell}>`;
}

async function boot() {
  const root = document.getElementById("app");
  let config;
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    config = await response.json();
  } catch {
    root.innerHTML = '<p class="page-loading">The console could not load its configuration (config.json).</p>';
    return;
  }
  let signInError = null;
  try {
    await completeHostedSignIn();
  } catch (error) {
    signInError = error.message;
  }
  root.replaceChildren();
  render(html`<${App} config=${config} signInError=${signInError} />`, root);
}

boot();
