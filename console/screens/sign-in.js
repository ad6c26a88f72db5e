// Signing in. Locally (`make run`): pick the operator or one reseller account and the local stack
// mints a token for it. In AWS: one button per sign-in option of config.json (Cognito hosted sign-in).

import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { beginHostedSignIn, mintLocalToken, signInLocally } from "../lib/auth.js";
import { takeEndReason } from "../lib/session.js";
import { Page } from "../components/page.js";
import { ErrorNotice, Loading, Notice } from "../components/status.js";

async function resellerAccounts() {
  const token = await mintLocalToken("operator");
  const accounts = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ type: "RESELLER", limit: "100", ...(cursor ? { cursor } : {}) });
    const response = await fetch(`/accounts?${query}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`the accounts did not load (${response.status})`);
    const page = await response.json();
    accounts.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && accounts.length < 500);
  return accounts;
}

function LocalSignIn() {
  const [resellers, setResellers] = useState(null);
  const [error, setError] = useState(null);
  const [filter, setFilter] = useState("");
  useEffect(() => {
    resellerAccounts().then(setResellers, setError);
  }, []);
  const choose = (role, accountId) => signInLocally(role, accountId).catch(setError);
  const shown = (resellers || []).filter((account) => account.name.toLowerCase().includes(filter.toLowerCase()));
  return html`<div class="sign-in">
    <p>
      This is the local stack: choose who you are and it mints a token for that user (signed with
      <code>LOCAL_JWT_SECRET</code>). In AWS this page sends you to the Cognito sign-in instead.
    </p>
    <h2>Operator</h2>
    <button type="button" class="primary" onClick=${() => choose("operator")}>Sign in as the operator</button>
    <h2>A reseller's user</h2>
    ${error && html`<${ErrorNotice} error=${error} />`}
    ${!resellers && !error && html`<${Loading} what="Loading reseller accounts" />`}
    ${resellers?.length === 0 && html`<p>No reseller accounts yet: sign in as the operator and create one.</p>`}
    ${resellers?.length > 0 &&
    html`<div class="field">
        <label for="reseller-filter">Find a reseller</label>
        <input id="reseller-filter" type="search" value=${filter} onInput=${(event) => setFilter(event.target.value)} />
      </div>
      <ul class="choice-list">
        ${shown.map(
          (account) => html`<li key=${account.id}>
            <button type="button" onClick=${() => choose("reseller", account.id)}>
              Sign in as a user of <strong>${account.name}</strong> <span class="muted">${account.id}</span>
            </button>
          </li>`,
        )}
      </ul>`}
  </div>`;
}

function HostedSignIn({ options }) {
  return html`<div class="sign-in">
    <p>Sign in with your platform account.</p>
    <ul class="choice-list">
      ${options.map(
        (option) => html`<li key=${option.client_id}>
          <button type="button" class="primary" onClick=${() => beginHostedSignIn(option)}>Sign in: ${option.label}</button>
        </li>`,
      )}
    </ul>
  </div>`;
}

export function SignIn({ config, error }) {
  const [ended] = useState(takeEndReason);
  return html`<${Page} title="Sign in">
    ${ended === "expired" && html`<${Notice} kind="warn">Your session has ended. Sign in again to go on where you were.</${Notice}>`}
    ${error && html`<div class="notice error" role="alert"><p>${error}</p></div>`}
    ${config.auth === "local" ? html`<${LocalSignIn} />` : html`<${HostedSignIn} options=${config.sign_in || []} />`}
  </${Page}>`;
}

