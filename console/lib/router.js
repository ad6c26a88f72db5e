// A hash router: #/accounts/acc_1/customers?status=ACTIVE. The console is one static page, so any
// address works behind a plain file server (S3, CloudFront) with no rewrite rules.

import { useEffect, useState } from "preact/hooks";

function read() {
  const raw = decodeURI(location.hash.slice(1)) || "/";
  const [path, search = ""] = raw.split("?");
  return { path, query: new URLSearchParams(search) };
}

export function useLocation() {
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const changed = () => setWhere(read());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return where;
}

export function href(path, query) {
  const search = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v)).toString() : "";
  return `#${path}${search ? `?${search}` : ""}`;
}

export function navigate(path, query) {
  location.hash = href(path, query);
}

/** The first route whose pattern ("/accounts/:accountId/customers") matches path, with its parameters. */
export function match(routes, path) {
  const parts = path.split("/").filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const fits = pattern.every((segment, i) => {
      if (segment.startsWith(":")) {
        params[segment.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return segment === parts[i];
    });
    if (fits) return { route, params };
  }
  return null;
}
