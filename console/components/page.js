// A screen's frame: its title (which takes focus when the screen opens, so a screen reader announces
// it), the browser tab's title, actions on the right, and the content.

import { useEffect, useRef } from "preact/hooks";
import { html } from "../lib/html.js";

export function Page({ title, subtitle = null, actions = null, children }) {
  const heading = useRef(null);
  useEffect(() => {
    document.title = `${title} · Reseller billing`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return html`<section class="page">
    <header class="page-header">
      <div>
        <h1 tabindex="-1" ref=${heading}>${title}</h1>
        ${subtitle && html`<p class="subtitle">${subtitle}</p>`}
      </div>
      ${actions && html`<div class="page-actions">${actions}</div>`}
    </header>
    ${children}
  </section>`;
}

export function Section({ title, actions = null, children }) {
  return html`<section class="section">
    <header class="section-header">
      <h2>${title}</h2>
      ${actions}
    </header>
    ${children}
  </section>`;
}

/** label/value pairs as a description list; values may be elements. */
export function Facts({ items }) {
  return html`<dl class="facts">
    ${items
      .filter(([, value]) => value !== undefined && value !== null && value !== "")
      .map(([label, value]) => html`<div key=${label}><dt>${label}</dt><dd>${value}</dd></div>`)}
  </dl>`;
}

export function NotFound({ what = "page" }) {
  return html`<${Page} title="Not found">
    <p>There is no such ${what} — or it is not yours to see.</p>
    <p><a href="#/">Back to the start</a></p>
  </${Page}>`;
}
