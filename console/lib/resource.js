// Loading one API resource into a component: {data, etag, error, loading, reload, setData}.

import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "./api.js";

export function useResource(path, query) {
  const [state, setState] = useState({ data: null, etag: null, error: null, loading: true });
  const queryKey = JSON.stringify(query || {});
  const load = useCallback(() => {
    if (!path) return undefined;
    const controller = new AbortController();
    setState((current) => ({ ...current, loading: true, error: null }));
    api
      .get(path, { query, signal: controller.signal })
      .then(({ data, etag }) => setState({ data, etag, error: null, loading: false }))
      .catch((error) => {
        // A failed reload keeps what was shown; the screen shows the error next to it.
        if (error.name !== "AbortError") setState((current) => ({ ...current, error, loading: false }));
      });
    return () => controller.abort();
  }, [path, queryKey]);
  useEffect(load, [load]);
  return {
    ...state,
    reload: load,
    setData: (data, etag = state.etag) => setState({ data, etag, error: null, loading: false }),
  };
}
