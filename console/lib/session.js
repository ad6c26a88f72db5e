// Who is signed in: the ID token and what its claims say. Kept in sessionStorage (this tab only, gone
// when it closes); the API checks the token on every call, so nothing here is trusted for security.

const KEY = "console.session";
const listeners = new Set();

function decodeClaims(token) {
  const payload = token.split(".")[1] || "";
  const bytes = Uint8Array.from(atob(payload.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function describe(token, provider) {
  const claims = decodeClaims(token);
  const groups = [].concat(claims["cognito:groups"] || []);
  return {
    token,
    provider,
    role: groups.includes("operator") ? "operator" : "reseller",
    accountId: claims["custom:account_id"] || null,
    user: claims.email || claims.sub,
    expiresAt: claims.exp * 1000,
  };
}

export function currentSession() {
  const stored = sessionStorage.getItem(KEY);
  if (!stored) return null;
  const session = JSON.parse(stored);
  return session.expiresAt > Date.now() ? session : null;
}

export function startSession(token, provider) {
  const session = describe(token, provider);
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
