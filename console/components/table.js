// Lists: a table with loading, empty and error states, and paging through the API's next_cursor
// ("Show more" appends the next page).

import { useCallback, useEffect, useState } from "preact/hooks";
import { html } from "../lib/html.js";
import { api } from "../lib/api.js";
import { navigate } from "../lib/router.js";
import { Empty, ErrorNotice, Loading } from "./status.js";

const PAGE_SIZE = 25;

/** The pages of an API list so far: {items, loading, error, more (a function, or null at the end), reload}. */
export function usePagedList(path, query = {}) {
  const [state, setState] = useState({ items: [], cursor: null, done: false, loading: true, error: null });
  const queryKey = JSON.stringify(query);

  const fetchPage = useCallback(
    (cursor, previous) => {
      setState((current) => ({ ...current, loading: true, error: null }));
      return api
        .get(path, { query: { ...query, limit: PAGE_SIZE, cursor } })
        .then(({ data }) =>
          setState({ items: [...previous, ...data.items], cursor: data.next_cursor, done: !data.next_cursor, loading: false, error: null }),
        )
        .catch((error) => setState((current) => ({ ...current, loading: false, error })));
    },
    [path, queryKey],
  );
  const reload = useCallback(() => fetchPage(null, []), [fetchPage]);
  useEffect(() => {
    reload();
  }, [reload]);
  return {
    ...state,
    reload,
    more: state.done ? null : () => fetchPage(state.cursor, state.items),
  };
}

/**
 * columns: [{label, render(row), numeric?}]; the first column should hold the row's link so that the
 * table works from the keyboard.
 */
export function DataTable({ caption, columns, rows, rowKey = (row) => row.id }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
    <table>
      <caption class="visually-hidden">${caption}</caption>
      <thead>
        <tr>${columns.map((column) => html`<th key=${column.label} scope="col" class=${column.numeric ? "num" : ""}>${column.label}</th>`)}</tr>
      </thead>
      <tbody>
        ${rows.map(
          (row) => html`<tr key=${rowKey(row)}>
            ${columns.map((column) => html`<td key=${column.label} class=${column.numeric ? "num" : ""}>${column.render(row)}</td>`)}
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** An API list as a table, page by page. `empty` is shown when the list has nothing. */
export function PagedTable({ list, caption, columns, empty, rowKey }) {
  if (list.error && !list.items.length) return html`<${ErrorNotice} error=${list.error} retry=${list.reload} />`;
  if (list.loading && !list.items.length) return html`<${Loading} what=${`Loading ${caption.toLowerCase()}`} />`;
  if (!list.items.length) return html`<${Empty}>${empty}</${Empty}>`;
  return html`<div class="paged">
    <${DataTable} caption=${caption} columns=${columns} rows=${list.items} rowKey=${rowKey} />
    ${list.error && html`<${ErrorNotice} error=${list.error} retry=${list.more} />`}
    ${list.more &&
    html`<button type="button" class="more" onClick=${list.more} disabled=${list.loading}>
      ${list.loading ? "Loading…" : "Show more"}
    </button>`}
  </div>`;
}

/** A list's filter by customer: choosing one navigates to `base` with `customer_id` in the query. */
export function CustomerFilter({ customers, customerId, base }) {
  return html`<div class="filters">
    <label for="customer-filter">Customer</label>
    <select id="customer-filter" onChange=${(event) => navigate(base, { customer_id: event.target.value })}>
      <option value="" selected=${!customerId}>All customers</option>
      ${customers.map(
        (customer) => html`<option key=${customer.id} value=${customer.id} selected=${customer.id === customerId}>
          ${customer.customer_number} — ${customer.name}
        </option>`,
      )}
    </select>
  </div>`;
}
