// Whole small lists for pickers and names: an account's products, price plans, customers.

import { useEffect, useState } from "preact/hooks";
import { listAll } from "./api.js";

/** {items, byId, loading, error} of every page of `path`. */
export function useAll(path) {
  const [state, setState] = useState({ items: [], byId: {}, loading: true, error: null });
  useEffect(() => {
    let current = true;
    listAll(path).then(
      (items) => current && setState({ items, byId: Object.fromEntries(items.map((item) => [item.id, item])), loading: false, error: null }),
      (error) => current && setState({ items: [], byId: {}, loading: false, error }),
    );
    return () => {
      current = false;
    };
  }, [path]);
  return state;
}
