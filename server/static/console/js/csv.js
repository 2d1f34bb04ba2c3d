// CSV text of the console's tables: RFC 4180 quoting, and no cell that a spreadsheet would run as a formula.

// Spreadsheets run a cell starting with one of these as a formula (OWASP's "CSV injection"); names, titles and
// notes come from other users and imported files, so such a cell is written with a leading ' (shown as text).
const FORMULA_START = /^[=+\-@\t\r]/;
// A number as the tables show it ("-1,234.5", "-$12.30", "-3.5%") is a value, not a formula: it stays a number.
const SHOWN_NUMBER = /^[-+]?\p{Sc}?\d[\d,]*(\.\d+)?(e[-+]?\d+)?%?$/iu;

/** A field of a CSV line: its text on one line, defused if it would start a formula, quoted when it holds a
 * comma, a quote or a line break (RFC 4180). */
export function csvField(text) {
  let value = text.replace(/\s+/g, " ").trim();
  if (FORMULA_START.test(value) && !SHOWN_NUMBER.test(value)) value = `'${value}`;
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
