// Loading, empty, error and progress states, and status badges: the same everywhere.

import { html } from "../lib/html.js";
import { describeError } from "../lib/errors.js";

export function Loading({ what = "Loading" }) {
  return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${what}…</p>`;
}

export function Empty({ children }) {
  return html`<div class="empty">${children}</div>`;
}

export function ErrorNotice({ error, retry }) {
  return html`<div class="notice error" role="alert">
    <p>${describeError(error)}</p>
    ${retry && html`<button type="button" onClick=${retry}>Try again</button>`}
  </div>`;
}

export function Notice({ kind = "info", children }) {
  return html`<div class=${`notice ${kind}`} role="status">${children}</div>`;
}

const TONE = {
  ACTIVE: "good",
  AVAILABLE: "good",
  ADDED: "good",
  NOT_ADDED: "bad",
  ASSIGNED: "accent",
  WAITING: "neutral",
  PROCESSING: "busy",
  FAILED: "bad",
  SCHEDULED: "warn",
  COMPLETED: "good",
  ISSUED: "good",
  RESELLER: "accent",
  QUEUED: "neutral",
  RUNNING: "busy",
  SUSPENDED: "warn",
  PARTIALLY_CREDITED: "warn",
  COMPLETED_WITH_FAILURES: "bad",
  CLOSED: "muted",
  RETIRED: "muted",
  CREDITED: "muted",
};

export function Badge({ value }) {
  return html`<span class=${`badge ${TONE[value] || "neutral"}`}>${String(value).replaceAll("_", " ").toLowerCase()}</span>`;
}

/** A labelled progress bar; `value` of `max` done. */
export function Progress({ label, value, max }) {
  const percent = max ? Math.round((100 * value) / max) : 0;
  return html`<div class="progress">
    <div class="progress-label"><span>${label}</span><span>${percent} %</span></div>
    <progress value=${value} max=${max || 1} aria-label=${label}>${percent} %</progress>
  </div>`;
}
