// Dates, amounts and counts in the browser's locale. Amounts stay decimal strings end to end:
// Intl.NumberFormat formats a string exactly, without passing through a float.

const locale = undefined; // the browser's

/** "1234.5" in EUR -> "€1,234.50" (en-GB), "1.234,50 €" (de-DE); the currency's own minor digits. */
export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "";
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(amount);
}

/** A unit price may carry more digits than the currency's minor unit ("0.004"): show them all. */
export function price(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "";
  const minor = new Intl.NumberFormat(locale, { style: "currency", currency }).resolvedOptions().minimumFractionDigits;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: minor,
    maximumFractionDigits: Math.max(minor, 6),
  }).format(amount);
}

export function number(value, maximumFractionDigits = 6) {
  if (value === null || value === undefined || value === "") return "";
  return new Intl.NumberFormat(locale, { maximumFractionDigits }).format(value);
}

/** A count and its noun: "1 ICCID", "2,500 ICCIDs". */
export function count(value, singular, plural = `${singular}s`) {
  return `${number(value)} ${value === 1 ? singular : plural}`;
}

/** An IBAN in groups of four, as it is printed: "DE89 3704 0044 0532 0130 00". */
export function iban(value) {
  return value ? value.replace(/(.{4})(?=.)/g, "$1 ") : "";
}

/** A calendar date "2026-11-05" (UTC, as the API means it) -> "5 Nov 2026" / "05.11.2026". */
export function date(isoDate) {
  if (!isoDate) return "";
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(Date.UTC(year, month - 1, day));
}

export function dateRange(start, end) {
  return `${date(start)} – ${date(end)}`;
}

/** An instant "2026-11-05T08:00:00Z" in the browser's time zone. */
export function dateTime(isoInstant) {
  if (!isoInstant) return "";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(isoInstant));
}

/** What a person types as an amount ("9,99" or "9.99") as the API's decimal string ("9.99"). */
export function decimalInput(text) {
  const trimmed = String(text ?? "").trim();
  return /^\d+,\d+$/.test(trimmed) ? trimmed.replace(",", ".") : trimmed;
}

/** Today as the API's calendar date (UTC). */
export function todayUtc() {
  return new Date().toISOString().slice(0, 10);
}

/**
 * The run dates around today for a billing-cycle day: `last` is the latest one not after today (the
 * cycle ended the day before: billable), `next` the first one after today (a preview shows charges so far).
 */
export function runDates(billingCycleDay, today = todayUtc()) {
  const [year, month, day] = today.split("-").map(Number);
  const iso = (y, m) => new Date(Date.UTC(y, m - 1, billingCycleDay)).toISOString().slice(0, 10);
  const thisMonth = iso(year, month);
  return day >= billingCycleDay
    ? { last: thisMonth, next: iso(year, month + 1) }
    : { last: iso(year, month - 1), next: thisMonth };
}

// Sums of the API's decimal strings, exactly: in integer millionths (BigInt), never through a float.
const UNIT_DIGITS = 6;

function units(amount) {
  const text = String(amount);
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = text.replace("-", "").split(".");
  const value = BigInt(whole + fraction.padEnd(UNIT_DIGITS, "0").slice(0, UNIT_DIGITS));
  return negative ? -value : value;
}

function fromUnits(value) {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(UNIT_DIGITS + 1, "0");
  const text = `${digits.slice(0, -UNIT_DIGITS)}.${digits.slice(-UNIT_DIGITS)}`.replace(/\.?0+$/, "");
  return (negative ? "-" : "") + text;
}

/** `amount` less each of `less`, as a decimal string: "16.76" less ["4", "2.5"] -> "10.26". */
export function remainder(amount, less) {
  return fromUnits(less.reduce((left, each) => left - units(each), units(amount)));
}
