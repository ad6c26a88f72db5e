// Signing in. config.json says how: {"auth": "local"} on `make run` (a developer picks a user and the
// local stack mints the token), or {"auth": "cognito", "sign_in": [{label, domain, client_id}, ...]} in
// AWS: the Cognito hosted sign-in with the authorization code flow and PKCE (no client secret).

import { startSession, storedSession } from "./session.js";

const PENDING = "console.sign-in";
const SCOPES = "openid email profile";
// ID tokens live 15 minutes in AWS: renew one that has less than this left before using it.
const RENEW_BEFORE_MS = 60_000;

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function randomString(size = 48) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

/** The console's own address, the redirect URI registered on the app client. */
function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

export async function mintLocalToken(role, accountId = null) {
  const response = await fetch("/_local/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ role, account_id: accountId }),
  });
  if (!response.ok) throw new Error(`the local stack refused a token (${response.status})`);
  return (await response.json()).token;
}

export async function signInLocally(role, accountId = null) {
  return startSession(await mintLocalToken(role, accountId), { kind: "local" });
}

/** Off to the hosted sign-in page; it comes back to redirectUri() with ?code=...&state=... */
export async function beginHostedSignIn(option) {
  const verifier = randomString();
  const state = randomString(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, option }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: option.client_id,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  });
  location.assign(`${option.domain}/oauth2/authorize?${query}`);
}

async function tokenEndpoint(option, fields) {
  const response = await fetch(`${option.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: option.client_id, ...fields }),
  });
  if (!response.ok) throw new Error(`The sign-in service refused (${response.status}).`);
  return response.json();
}

/** On the way back from the hosted sign-in: trade the code (and our verifier) for tokens. */
export async function completeHostedSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", redirectUri() + location.hash);
  if (params.has("error")) throw new Error(params.get("error_description") || params.get("error"));
  if (!pending || pending.state !== params.get("state")) {
    throw new Error("This sign-in was not started here (its state does not match); please sign in again.");
  }
  const tokens = await tokenEndpoint(pending.option, {
    grant_type: "authorization_code",
    code: params.get("code"),
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  // The API's Cognito authorizer takes ID tokens: they carry the groups and custom:account_id.
  const provider = { kind: "cognito", domain: pending.option.domain, client_id: pending.option.client_id };
  return startSession(tokens.id_token, provider, tokens.refresh_token);
}

let renewing = null;

/** The session to call the API with: its ID token renewed first when it is about to expire. */
export async function usableSession() {
  const session = storedSession();
  if (!session || session.expiresAt - Date.now() > RENEW_BEFORE_MS || !session.refreshToken) {
    return session && session.expiresAt > Date.now() ? session : null;
  }
  renewing ??= tokenEndpoint(session.provider, { grant_type: "refresh_token", refresh_token: session.refreshToken })
    .then((tokens) => startSession(tokens.id_token, session.provider, session.refreshToken))
    .catch(() => null)
    .finally(() => {
      renewing = null;
    });
  return (await renewing) || (session.expiresAt > Date.now() ? session : null);
}

/** Revokes the refresh token at sign-out (Cognito), so that a copy of it renews nothing. */
export async function revokeRefreshToken(session) {
  if (session?.provider?.kind !== "cognito" || !session.refreshToken) return;
  await fetch(`${session.provider.domain}/oauth2/revoke`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: session.refreshToken, client_id: session.provider.client_id }),
  }).catch(() => null);
}

/** Where to go after the session is ended: the hosted sign-out for Cognito, else the sign-in page. */
export function signOutUrl(session) {
  if (session?.provider?.kind !== "cognito") return "#/sign-in";
  const query = new URLSearchParams({ client_id: session.provider.client_id, logout_uri: redirectUri() });
  return `${session.provider.domain}/logout?${query}`;
}
