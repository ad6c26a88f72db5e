// Whole small lists for pickers and names: an account's products, price plans, customers, the ICCIDs
// available in its stock.

import { useEffect, useState } from "preact/hooks";
import { listAll } from "./api.js";

/** {items, byId, loading, error} of every page of `path` (with `query`, e.g. a status filter; up to `max`). */
export function useAll(path, query = {}, { max = 1000 } = {}) {
  const [state, setState] = useState({ items: [], byId: {}, loading: true, error: null });
  const queryKey = JSON.stringify(query);
  useEffect(() => {
    let current = true;
    listAll(path, query, { max }).then(
      (items) => current && setState({ items, byId: Object.fromEntries(items.map((item) => [item.id, item])), loading: false, error: null }),
      (error) => current && setState({ items: [], byId: {}, loading: false, error }),
    );
    return () => {
      current = false;
    };
  }, [path, queryKey]);
  return state;
}
