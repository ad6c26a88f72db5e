// Who is signed in: the ID token and what its claims say. Kept in sessionStorage (this tab only, gone
// when it closes); the API checks the token on every call, so nothing here is trusted for security.

const KEY = "console.session";
const listeners = new Set();

function decodeClaims(token) {
  const payload = token.split(".")[1] || "";
  const bytes = Uint8Array.from(atob(payload.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function describe(token, provider, refreshToken) {
  const claims = decodeClaims(token);
  const groups = [].concat(claims["cognito:groups"] || []);
  return {
    token,
    provider,
    refreshToken,
    role: groups.includes("operator") ? "operator" : "reseller",
    accountId: claims["custom:account_id"] || null,
    user: claims.email || claims.sub,
    expiresAt: claims.exp * 1000,
  };
}

/** The stored session, expired or not (a refresh token may renew it). */
export function storedSession() {
  const stored = sessionStorage.getItem(KEY);
  return stored ? JSON.parse(stored) : null;
}

export function currentSession() {
  const session = storedSession();
  return session && (session.expiresAt > Date.now() || session.refreshToken) ? session : null;
}

/** `refreshToken` (Cognito only) renews the ID token before it expires. */
export function startSession(token, provider, refreshToken = null) {
  const session = describe(token, provider, refreshToken);
  sessionStorage.setItem(KEY, JSON.stringify(session));
  listeners.forEach((listener) => listener(session));
  return session;
}

/** Ends the session; `reason` (e.g. "expired") is shown on the sign-in page. */
export function endSession(reason = null) {
  sessionStorage.removeItem(KEY);
  if (reason) sessionStorage.setItem(`${KEY}.ended`, reason);
  listeners.forEach((listener) => listener(null));
}

export function takeEndReason() {
  const reason = sessionStorage.getItem(`${KEY}.ended`);
  sessionStorage.removeItem(`${KEY}.ended`);
  return reason;
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
