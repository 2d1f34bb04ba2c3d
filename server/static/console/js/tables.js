// Sortable, filterable data tables: a header button per column toggles the order (announced with aria-sort), an
// optional text box filters rows by what they show, and every row is in the page (no scroll box to hunt in).

import { fetchExport } from "./api.js";
import { csvField } from "./csv.js";
import { el, showError } from "./shell.js";

/**
 * Render `rows` into `table` (a <table class="data"> with an empty <thead> and <tbody>).
 * columns: [{ label, value(row) for sorting, cell(row) -> <td>/<th>, num?: boolean, title?: string }]
 * options: { filter: <input> whose text narrows rows, text(row) -> what the filter searches,
 *            sort: index of the initial column, descending: boolean, empty: message, caption: count element }
 * Returns { update(rows) } to replace the rows while keeping the order and filter.
 */
export function dataTable(table, rows, columns, options = {}) {
  const state = { rows, sort: options.sort ?? null, descending: options.descending ?? false };
  const head = table.tHead ?? table.createTHead();
  const body = table.tBodies[0] ?? table.createTBody();
  const headers = columns.map((column, index) => {
    const button = el(
      "button",
      { type: "button", class: "sort", onclick: () => sortBy(index) },
      column.label,
      el("span", { class: "sort-mark", "aria-hidden": "true" }),
    );
    return el("th", { scope: "col", class: column.num ? "num" : null, title: column.title ?? null }, button);
  });
  head.replaceChildren(el("tr", {}, headers));

  function sortBy(index) {
    state.descending = state.sort === index ? !state.descending : Boolean(columns[index].num);
    state.sort = index;
    render();
  }

  function compare(a, b) {
    const column = columns[state.sort];
    const x = column.value(a);
    const y = column.value(b);
    // Missing values go last whichever the direction: a blank is never the best or the worst.
    if (x === null || x === undefined || Number.isNaN(x)) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined || Number.isNaN(y)) return -1;
    const order = typeof x === "string" ? x.localeCompare(y) : x - y;
    return state.descending ? -order : order;
  }

  function render() {
    const needle = (options.filter?.value ?? "").trim().toLowerCase();
    let shown = state.rows;
    if (needle && options.text) shown = shown.filter((row) => options.text(row).toLowerCase().includes(needle));
    if (state.sort !== null) shown = [...shown].sort(compare);
    headers.forEach((th, index) => {
      const direction = index === state.sort ? (state.descending ? "descending" : "ascending") : null;
      if (direction) th.setAttribute("aria-sort", direction);
      else th.removeAttribute("aria-sort");
      th.querySelector(".sort-mark").textContent = direction ? (state.descending ? " ▼" : " ▲") : "";
    });
    body.replaceChildren(...shown.map((row) => el("tr", { class: options.rowClass?.(row) ?? null }, columns.map((c) => c.cell(row)))));
    if (!shown.length) {
      const message = state.rows.length ? "No row matches the filter." : (options.empty ?? "Nothing to show.");
      body.append(el("tr", {}, el("td", { colspan: columns.length, class: "empty" }, message)));
    }
    if (options.caption) {
      options.caption.textContent =
        shown.length === state.rows.length ? `${state.rows.length} rows` : `${shown.length} of ${state.rows.length} rows`;
    }
  }

  options.filter?.addEventListener("input", render);
  if (options.csv) addCsvButton(table, options.csv);
  render();
  return {
    update(next) {
      state.rows = next;
      render();
    },
  };
}

/** The table as shown (filtered and sorted), as CSV text. */
export function tableCsv(table) {
  const rows = [...table.querySelectorAll("tr")].filter((row) => !row.querySelector("td.empty"));
  // A header's sort mark is a picture of the order, not part of the column's name.
  const text = (c) => (c.innerText ?? c.textContent).replace(/\s*[▲▼]\s*$/, "");
  return rows.map((row) => [...row.cells].map((c) => csvField(text(c))).join(",")).join("\r\n") + "\r\n";
}

/** Offer `blob` as a download named `filename`. */
export function saveBlob(blob, filename) {
  const link = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** A "Download CSV" button above `table` saving it as shown; once per table, however often it is redrawn. */
export function addCsvButton(table, name) {
  const wrap = table.closest(".table-wrap") ?? table;
  if (wrap.previousElementSibling?.classList.contains("csv-row")) return;
  const button = el("button", { type: "button", class: "secondary csv" }, "Download CSV");
  button.setAttribute("aria-label", `Download the ${name.replace(/-/g, " ")} table as CSV`);
  button.addEventListener("click", () => saveBlob(new Blob([tableCsv(table)], { type: "text/csv;charset=utf-8" }), `${name}.csv`));
  wrap.insertAdjacentElement("beforebegin", el("div", { class: "csv-row" }, button));
}

/**
 * A button that downloads the server's `GET /export/<table>.csv` for `params()` (read at click time), for data
 * the page draws as charts rather than tables. Its failures go to the error banner like any other.
 */
export function exportButton(label, table, params) {
  const button = el("button", { type: "button", class: "secondary csv" }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const { blob, filename } = await fetchExport(table, params());
      saveBlob(blob, filename);
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** A text cell, or a numeric one (right-aligned) when `num`. */
export function cell(text, { num = false, header = false, cls = null } = {}) {
  return el(header ? "th" : "td", { scope: header ? "row" : null, class: [num ? "num" : null, cls].filter(Boolean).join(" ") || null }, text);
}
