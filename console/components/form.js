// Forms: values and errors keyed by the API's field paths, labelled inputs with their error next to
// them, an error summary that takes focus after a failed submit, and nothing cleared when a submit fails.

import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { formErrors } from "../lib/errors.js";

function getPath(values, path) {
  return path.split(".").reduce((node, key) => (node === undefined || node === null ? undefined : node[key]), values);
}

function setPath(values, path, value) {
  const [key, ...rest] = path.split(".");
  const copy = Array.isArray(values) ? [...values] : { ...values };
  copy[key] = rest.length ? setPath(values?.[key] ?? {}, rest.join("."), value) : value;
  return copy;
}

function newKey() {
  return crypto.randomUUID();
}

/**
 * State of one form. `submit(send)` runs `send(values, idempotencyKey)`; an ApiError it throws becomes
 * field errors and a summary. The idempotency key is kept only while an attempt's outcome is unknown
 * (the network failed), so a retry cannot create a second resource. `keepKeyOnServerError`: also after
 * a 5xx or a 409 `idempotency_in_progress`, for a resource whose key names it (a credit note numbered
 * before S3 failed is finished, with its number, by a retry with the same key).
 */
export function useForm(initial, { keepKeyOnServerError = false } = {}) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({ fields: {}, message: null });
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const rendered = useRef(new Set());

  return {
    values,
    errors,
    busy,
    rendered: rendered.current,
    value: (path) => getPath(values, path),
    set: (path, value) => setValues((current) => setPath(current, path, value)),
    replace: setValues,
    async submit(send, errorOptions) {
      setBusy(true);
      setErrors({ fields: {}, message: null });
      try {
        const result = await send(values, key.current);
        key.current = newKey();
        return result;
      } catch (error) {
        if (error.status === undefined) throw error;
        const unsettled =
          error.status === 0 || (keepKeyOnServerError && (error.status >= 500 || error.code === "idempotency_in_progress"));
        if (!unsettled) key.current = newKey();
        setErrors(formErrors(error, errorOptions));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    fail(error, errorOptions) {
      setErrors(formErrors(error, errorOptions));
    },
  };
}

function fieldId(name) {
  return `f-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

function ErrorSummary({ form, failure }) {
  const { message, fields } = form.errors;
  const box = useRef(null);
  useEffect(() => box.current?.focus(), [form.errors]);
  if (!message) return null;
  const elsewhere = Object.entries(fields).filter(([path]) => !form.rendered.has(path));
  const placed = Object.keys(fields).length - elsewhere.length;
  return html`<div class="error-summary" role="alert" tabindex="-1" ref=${box}>
    <p><strong>${failure}</strong> ${message}</p>
    ${placed > 0 && html`<p>${placed === 1 ? "One field needs" : `${placed} fields need`} attention below.</p>`}
    ${elsewhere.length > 0 && html`<ul>${elsewhere.map(([path, text]) => html`<li key=${path}><code>${path}</code>: ${text}</li>`)}</ul>`}
  </div>`;
}

/** `failure`: the summary's first words when a submit is refused (a query form saves nothing). */
export function Form({ form, onSubmit, submitLabel, children, actions = null, className = "", failure = "Not saved." }) {
  const submitted = (event) => {
    event.preventDefault();
    if (!form.busy) onSubmit();
  };
  return html`<form class=${`form ${className}`} onSubmit=${submitted} aria-busy=${form.busy ? "true" : "false"}>
    <${ErrorSummary} form=${form} failure=${failure} />
    ${children}
    <div class="form-actions">
      <button type="submit" class="primary" disabled=${form.busy}>${form.busy ? "Saving…" : submitLabel}</button>
      ${actions}
    </div>
  </form>`;
}

function useField(form, name, hint) {
  form.rendered.add(name);
  const id = fieldId(name);
  const error = form.errors.fields[name];
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ") || undefined;
  return { id, error, describedBy };
}

function Label({ id, label, required }) {
  return html`<label for=${id}>${label}${required ? html`<span class="required" aria-hidden="true"> *</span>` : ""}</label>`;
}

function Messages({ id, hint, error }) {
  return html`${hint && html`<p id=${`${id}-hint`} class="hint">${hint}</p>`}
    ${error && html`<p id=${`${id}-error`} class="field-error">${error}</p>`}`;
}

function typed(type, text, normalize) {
  if (type === "number" && text !== "") return Number(text);
  return normalize ? normalize(text) : text;
}

/**
 * A labelled input bound to form value `name` (an API field path); `normalize` rewrites what is typed
 * (e.g. upper case for codes). Other props go to the <input>.
 */
export function Field({ form, name, label, hint, type = "text", required = false, className = "", normalize = null, ...attrs }) {
  const { id, error, describedBy } = useField(form, name, hint);
  const value = form.value(name);
  return html`<div class=${`field ${error ? "has-error" : ""} ${className}`}>
    <${Label} id=${id} label=${label} required=${required} />
    <input
      id=${id}
      name=${name}
      type=${type}
      value=${value ?? ""}
      required=${required}
      aria-invalid=${error ? "true" : undefined}
      aria-describedby=${describedBy}
      onInput=${(event) => form.set(name, typed(type, event.target.value, normalize))}
      ...${attrs}
    />
    <${Messages} id=${id} hint=${hint} error=${error} />
  </div>`;
}

export function TextArea({ form, name, label, hint, required = false, ...attrs }) {
  const { id, error, describedBy } = useField(form, name, hint);
  return html`<div class=${`field ${error ? "has-error" : ""}`}>
    <${Label} id=${id} label=${label} required=${required} />
    <textarea
      id=${id}
      name=${name}
      required=${required}
      aria-invalid=${error ? "true" : undefined}
      aria-describedby=${describedBy}
      onInput=${(event) => form.set(name, event.target.value)}
      ...${attrs}
    >${form.value(name) ?? ""}</textarea>
    <${Messages} id=${id} hint=${hint} error=${error} />
  </div>`;
}

/** options: [{value, label, disabled?}] */
export function Select({ form, name, label, hint, options, required = false, ...attrs }) {
  const { id, error, describedBy } = useField(form, name, hint);
  return html`<div class=${`field ${error ? "has-error" : ""}`}>
    <${Label} id=${id} label=${label} required=${required} />
    <select
      id=${id}
      name=${name}
      required=${required}
      aria-invalid=${error ? "true" : undefined}
      aria-describedby=${describedBy}
      onChange=${(event) => form.set(name, event.target.value)}
      ...${attrs}
    >
      ${options.map(
        (option) => html`<option key=${option.value} value=${option.value} disabled=${option.disabled} selected=${option.value === form.value(name)}>
          ${option.label}
        </option>`,
      )}
    </select>
    <${Messages} id=${id} hint=${hint} error=${error} />
  </div>`;
}

export function Checkbox({ form, name, label, hint, ...attrs }) {
  const { id, error, describedBy } = useField(form, name, hint);
  return html`<div class=${`field checkbox ${error ? "has-error" : ""}`}>
    <input
      id=${id}
      name=${name}
      type="checkbox"
      checked=${Boolean(form.value(name))}
      aria-invalid=${error ? "true" : undefined}
      aria-describedby=${describedBy}
      onChange=${(event) => form.set(name, event.target.checked)}
      ...${attrs}
    />
    <label for=${id}>${label}</label>
    <${Messages} id=${id} hint=${hint} error=${error} />
  </div>`;
}

/** A group of radio buttons in a fieldset; options: [{value, label}]. */
export function Radios({ form, name, legend, hint, options }) {
  const { id, error, describedBy } = useField(form, name, hint);
  return html`<fieldset class=${`field radios ${error ? "has-error" : ""}`} aria-describedby=${describedBy}>
    <legend>${legend}</legend>
    ${options.map(
      (option) => html`<label key=${option.value} class="radio">
        <input
          type="radio"
          name=${name}
          value=${option.value}
          checked=${form.value(name) === option.value}
          onChange=${() => form.set(name, option.value)}
        />
        ${option.label}
      </label>`,
    )}
    <${Messages} id=${id} hint=${hint} error=${error} />
  </fieldset>`;
}
