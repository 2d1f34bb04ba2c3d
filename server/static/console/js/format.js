// Number, date and money formatting shared by the console's pages; null and NaN read as an en dash.

const DASH = "–";

function missing(value) {
  return value === null || value === undefined || Number.isNaN(value);
}

export function number(value, digits = 0) {
  if (missing(value)) return DASH;
  return Number(value).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function percent(value, digits = 1) {
  if (missing(value)) return DASH;
  return `${(Number(value) * 100).toFixed(digits)}%`;
}

export function money(value, currency = "USD", digits = null) {
  if (missing(value)) return DASH;
  const places = digits ?? (Math.abs(value) < 10 ? 3 : Math.abs(value) < 1000 ? 2 : 0);
  try {
    return Number(value).toLocaleString("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: places,
      maximumFractionDigits: places,
    });
  } catch {
    return `${number(value, places)} ${currency}`; // an unknown ISO code
  }
}

export function seconds(value) {
  if (missing(value)) return DASH;
  return `${Number(value).toFixed(1)} s`;
}

export function date(value) {
  if (!value) return DASH;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return String(value);
  return parsed.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** "12.3 (11.0 – 13.5)": a mean with its interval, in any unit formatter. */
export function interval(mean, low, high, format = (v) => number(v, 1)) {
  if (missing(mean)) return DASH;
  if (missing(low) || missing(high)) return format(mean);
  return `${format(mean)} (${format(low)} – ${format(high)})`;
}

export function titleCase(enumValue) {
  if (!enumValue) return DASH;
  return String(enumValue)
    .toLowerCase()
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}
