// The one way the console calls the API: same origin (the local gateway, or CloudFront in front of API
// Gateway), the session's ID token, JSON both ways, and every failure as an ApiError with the API's
// {"error": {"code", "message", "details"}} shape.

import { usableSession } from "./auth.js";
import { endSession, storedSession } from "./session.js";

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const NETWORK_MESSAGE = "The service could not be reached. Check the connection and try again.";

function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") params.set(name, value);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** One API call. Answers {data, etag}; throws ApiError (status 0 when the network failed). */
export async function call(method, path, { body, query, etag, idempotencyKey, signal } = {}) {
  const session = await usableSession();
  const headers = { Accept: "application/json" };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-Match"] = etag;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(withQuery(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network_error", NETWORK_MESSAGE);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return { data, etag: response.headers.get("ETag") };
  if (response.status === 401 && storedSession()) endSession("expired");
  const error = data?.error || {};
  throw new ApiError(
    response.status,
    error.code || `http_${response.status}`,
    error.message || `The service answered ${response.status}.`,
    error.details || [],
  );
}

/** A file the API answers (a CSV export), saved by the browser as `fileName`. Throws ApiError like `call`. */
export async function download(path, query, fileName) {
  const session = await usableSession();
  let response;
  try {
    response = await fetch(withQuery(path, query), { headers: session ? { Authorization: `Bearer ${session.token}` } : {} });
  } catch {
    throw new ApiError(0, "network_error", NETWORK_MESSAGE);
  }
  if (!response.ok) {
    const error = (await response.json().catch(() => null))?.error || {};
    throw new ApiError(response.status, error.code || `http_${response.status}`, error.message || `The service answered ${response.status}.`, error.details || []);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const api = {
  get: (path, options) => call("GET", path, options),
  post: (path, body, options) => call("POST", path, { ...options, body }),
  patch: (path, body, options) => call("PATCH", path, { ...options, body }),
  put: (path, body, options) => call("PUT", path, { ...options, body }),
  delete: (path, options) => call("DELETE", path, options),
};

/** Every page of a list, following next_cursor (for pickers: products of a SIM, customers of a filter). */
export async function listAll(path, query = {}, { max = 1000 } = {}) {
  const items = [];
  let cursor = null;
  do {
    const { data } = await api.get(path, { query: { ...query, limit: 100, cursor } });
    items.push(...data.items);
    cursor = data.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** An account's resource, each segment encoded: accountPath("acc_1", "customers", id). */
export function accountPath(accountId, ...segments) {
  return `/accounts/${[accountId, ...segments].map(encodeURIComponent).join("/")}`;
}
