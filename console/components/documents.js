// What invoices and credit notes share: their line kinds, their artefacts as presigned links (fetched
// again shortly before they expire), and the PDF shown in the page.

import { useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { accountPath, api } from "../lib/api.js";
import { number } from "../lib/format.js";
import { describeError } from "../lib/errors.js";
import { ErrorNotice, Loading } from "./status.js";

export const KINDS = {
  MRC: "Monthly fee",
  ACTIVATION: "Activation fee",
  OVERAGE_DATA: "Data overage (MB)",
  OVERAGE_SMS: "SMS overage (messages)",
};

const LINK_REFRESH_MARGIN_MS = 30_000;

/** Presigned links to each artefact of `doc`, an invoice (`collection` "invoices") or a credit note ("credit-notes"). */
export function useArtifactLinks(account, collection, doc) {
  const [links, setLinks] = useState({ urls: {}, error: null });
  useEffect(() => {
    let timer = null;
    let current = true;
    const load = async () => {
      try {
        const names = Object.keys(doc.artifacts);
        const answers = await Promise.all(names.map((name) => api.get(accountPath(account.id, collection, doc.id, "artifacts", name))));
        if (!current) return;
        setLinks({ urls: Object.fromEntries(names.map((name, i) => [name, answers[i].data.url])), error: null });
        const soonest = Math.min(...answers.map((answer) => Date.parse(answer.data.expires_at)));
        timer = setTimeout(load, Math.max(soonest - Date.now() - LINK_REFRESH_MARGIN_MS, 5_000));
      } catch (error) {
        if (current) setLinks({ urls: {}, error });
      }
    };
    load();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [account.id, collection, doc.id]);
  return links;
}

/** The PDF in the page: fetched once from its presigned link and shown by the browser's own viewer. */
export function PdfView({ url, title }) {
  const [shown, setShown] = useState({ src: null, error: null });
  const loaded = Boolean(url);
  useEffect(() => {
    if (!loaded) return undefined;
    let objectUrl = null;
    fetch(url)
      .then((response) => {
        if (!response.ok) throw new Error(`The PDF did not load (${response.status}).`);
        return response.blob();
      })
      .then((blob) => {
        objectUrl = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
        setShown({ src: objectUrl, error: null });
      })
      .catch((error) => setShown({ src: null, error }));
    return () => objectUrl && URL.revokeObjectURL(objectUrl);
  }, [loaded]);
  if (shown.error) return html`<${ErrorNotice} error=${shown.error} />`;
  if (!shown.src) return html`<${Loading} what="Loading the PDF" />`;
  return html`<iframe class="pdf" src=${shown.src} title=${title}></iframe>`;
}

function kilobytes(size) {
  return `${number(size / 1024, 1)} KB`;
}

/** Every artefact of a document to download; `labels` names them ({pdf: "PDF", ...}). */
export function Artifacts({ artifacts, fileName, labels, links }) {
  return html`${links.error && html`<div class="notice error" role="alert"><p>Download links: ${describeError(links.error)}</p></div>`}
    <ul class="artifacts">
      ${Object.entries(artifacts).map(
        ([name, info]) => html`<li key=${name}>
          ${links.urls[name]
            ? html`<a href=${links.urls[name]} download=${`${fileName}.${name}`}>Download ${labels[name] || name}</a>`
            : html`<span>${labels[name] || name}</span>`}
          <span class="muted"> ${kilobytes(info.size)} · SHA-256 <code title=${info.sha256}>${info.sha256.slice(0, 12)}…</code></span>
        </li>`,
      )}
    </ul>`;
}
