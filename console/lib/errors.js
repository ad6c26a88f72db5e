// API error -> form fields. Forms name their inputs with the API's own field paths ("address.country",
// "reseller_profile.billing_cycle_day"), so an error's details land next to the input they name. Errors
// the API does not (yet) point at a field with details are placed by their code.

const FIELD_OF_CODE = {
  feature_not_licensed: "type",
  already_reseller: "type",
  account_has_customers: "type",
  customer_number_taken: "customer_number",
  product_code_taken: "code",
  price_plan_not_found: "price_plan_id",
  product_not_found: "product_id",
  product_not_active: "product_id",
  iccid_exists: "iccid",
  iccid_not_in_stock: "iccid",
  run_date_not_cycle_day: "run_date",
  run_date_in_future: "run_date",
  invalid_effective_date: "effective_date",
  customer_has_active_sims: "status",
};

const MESSAGE_OF_CODE = {
  precondition_failed: "Someone changed this since you opened it. Reload to see their change, then edit again.",
  network_error: "The service could not be reached. Nothing was lost: check the connection and save again.",
  forbidden: "You are not allowed to do this.",
};

function readable(message) {
  const text = String(message || "").replace(/^Value error, /, "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * {fields: {path: message}, message} for a form. `prefix` places the details of a request whose body
 * is part of the form (a profile PUT inside the account form: "reseller_profile."); `rename` maps a
 * path the API names to the form's own (list indexes to rows).
 */
export function formErrors(error, { prefix = "", rename = (path) => path } = {}) {
  const fields = {};
  for (const detail of error.details || []) {
    if (detail.field && detail.field !== "body") {
      const path = rename(prefix + detail.field);
      fields[path] = fields[path] ? `${fields[path]} ${readable(detail.message)}` : readable(detail.message);
    }
  }
  const placed = FIELD_OF_CODE[error.code];
  if (!Object.keys(fields).length && placed) fields[rename(prefix + placed)] = readable(error.message);
  return { fields, message: MESSAGE_OF_CODE[error.code] || readable(error.message) };
}

/** A short sentence for an error outside a form (a list that did not load). */
export function describeError(error) {
  if (error?.status === 404) return "Not found — or not yours to see.";
  return MESSAGE_OF_CODE[error?.code] || readable(error?.message || "Something went wrong.");
}

/** The same error with its details' fields under `prefix`: a sub-resource's answer inside a larger form. */
export function nestErrors(prefix, error) {
  const nested = Object.create(Object.getPrototypeOf(error));
  return Object.assign(nested, error, {
    message: error.message,
    details: (error.details || []).map((detail) => ({ ...detail, field: detail.field ? prefix + detail.field : detail.field })),
  });
}
