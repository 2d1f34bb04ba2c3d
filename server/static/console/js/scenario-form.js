// The planner's scenario editor: the main knobs as form fields and a per-pool table, kept in step with the raw
// JSON document (the same fields as the TOML scenario files), which stays the single source of truth.

import { ApiError } from "./api.js";
import { clearField, fieldError, presentNumber } from "./fields.js";
import { el } from "./shell.js";

/** Read `a.b.0.c` out of an object; undefined when any step is missing. */
export function getPath(object, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), object);
}

function setPath(object, path, value) {
  const keys = path.split(".");
  let node = object;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
}

/** The pool's price field: hourly pools carry `hourly_rate`, per-label pools `price_per_label`. */
function rateField(pool) {
  return pool.price_per_label !== undefined && pool.price_per_label !== null ? "price_per_label" : "hourly_rate";
}

const POOL_COLUMNS = [
  ["headcount.production", "in production", "1", "0"],
  ["headcount.training", "in training", "1", "0"],
  ["headcount.hiring", "hiring", "1", "0"],
  ["attrition_per_week", "attrition per week", "0.005", "0"],
  [null, "rate", "any", "0"],
  ["speed_factor", "speed factor", "0.05", "0.05"],
];

export class ScenarioForm {
  constructor({ onChange = () => {}, onLoad = () => {} } = {}) {
    this.form = document.getElementById("scenario-form");
    this.json = document.getElementById("scenario-json");
    this.pools = document.querySelector("#pools-table tbody");
    this.document = null;
    this.onChange = onChange;
    this.onLoad = onLoad;
    this.form.addEventListener("input", (event) => {
      if (event.target === this.json) return; // the JSON is applied on request, not on every keystroke
      // The demand plan and the spikes have editors that read and check their own controls.
      if (event.target.closest("#demand-plan, #demand-spikes")) return;
      if (event.target.closest("#scenario-form fieldset.run-row")) return;
      event.target.removeAttribute("aria-invalid");
      this.readInput(event.target);
    });
  }

  /** Show `document` in the form and the JSON editor. */
  load(document) {
    this.document = structuredClone(document);
    document = this.document;
    this.form.querySelector("#f-name").value = document.name ?? "";
    for (const input of this.form.querySelectorAll(".fields input[data-path]")) {
      const value = getPath(document, input.dataset.path);
      input.value = value === undefined || value === null ? "" : String(round(value));
      input.disabled = value === undefined;
    }
    this.pools.replaceChildren(...(document.workforce ?? []).map((pool, index) => this.poolRow(pool, index)));
    this.writeJson();
    this.clearInvalid();
    this.onLoad(this.document);
    this.onChange(this.document);
  }

  /** Replace the demand spikes (`demand.spikes`); none leaves the field out, as the TOML files do. */
  setSpikes(spikes) {
    if (!this.document) return;
    const demand = (this.document.demand ??= {});
    if (spikes.length) demand.spikes = spikes;
    else delete demand.spikes;
    this.writeJson();
    this.onChange(this.document);
  }

  /** Replace the demand plan's params (`start_date`, `weekly_volumes`, `launches`), keeping any other param. */
  setDemandPlan(plan) {
    if (!this.document) return;
    const demand = (this.document.demand ??= {});
    const params = { ...(demand.params ?? {}) };
    for (const key of ["start_date", "weekly_volumes", "launches"]) delete params[key];
    demand.params = { ...params, ...plan };
    this.writeJson();
    this.onChange(this.document);
  }

  poolRow(pool, index) {
    const cells = POOL_COLUMNS.map(([path, what, step, min]) => {
      const field = path ?? rateField(pool);
      const unit = field === "hourly_rate" ? " per hour" : field === "price_per_label" ? " per label" : "";
      const value = getPath(pool, field);
      return el(
        "td",
        {},
        el("input", {
          type: "number",
          step,
          min,
          "data-path": `workforce.${index}.${field}`,
          "aria-label": `${pool.name}: ${what}${unit}`,
          title: `${what}${unit}`,
          value: value === undefined || value === null ? "" : String(round(value)),
        }),
        unit ? el("span", { class: "unit", text: unit.replace(" per ", "/") }) : null,
      );
    });
    return el("tr", {}, el("th", { scope: "row", text: pool.name }), ...cells);
  }

  /**
   * Copy one edited input into the document and the JSON editor. Only the edited value is written, so the
   * rounding the form shows never replaces the other fields' full precision.
   */
  readInput(input) {
    if (!this.document) return;
    if (input.id === "f-name") {
      const name = input.value.trim();
      if (name) this.document.name = name;
    } else if (input.dataset.path && !input.disabled && input.value.trim() !== "") {
      const value = input.valueAsNumber;
      if (Number.isNaN(value)) return;
      setPath(this.document, input.dataset.path, input.step === "1" ? Math.round(value) : value);
    } else {
      return;
    }
    this.writeJson();
    this.onChange(this.document);
  }

  /**
   * Refuse to send while a number field is blank or unreadable: the document still holds the field's previous
   * value, and running that would forecast something other than what the form shows. Limits are the server's.
   */
  checkNumbers() {
    for (const input of this.form.querySelectorAll(".fields input[data-path], #pools-table input[data-path]")) {
      if (input.disabled) continue;
      input.id ||= fieldId(input.dataset.path); // the note beside the input is found by the input's id
      presentNumber(input, input.labels?.[0]?.textContent.trim() || input.getAttribute("aria-label"));
    }
  }

  /** The document as edited, or null before one is loaded. */
  current() {
    return this.document;
  }

  writeJson() {
    this.json.value = JSON.stringify(this.document, null, 2);
  }

  /** Replace the document with the JSON editor's text; throws a readable Error when it is not JSON. */
  applyJson() {
    let parsed;
    try {
      parsed = JSON.parse(this.json.value);
    } catch (error) {
      throw new ApiError(`The scenario JSON is not valid: ${error.message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ApiError("The scenario JSON must be an object of fields, as in the TOML files.");
    }
    this.load(parsed);
  }

  /** Mark the input behind an API field path such as `input.document.demand.base_per_day`; true if found. */
  markInvalid(field, message = "") {
    if (!field) return false;
    // Error messages start with the full path (`workforce[Northwind Annotation].hourly_rate must be ...`), which
    // survives where a path in `field` does not (a pool name with a space in it).
    const spoken = /^([\w.]+(?:\[[^\]]+\][\w.]*)*) (?:must|is|should)/.exec(message)?.[1];
    if (spoken && !field.endsWith(spoken.split(".").pop())) field = `input.document.${spoken}`;
    // Pools are named in error paths (`workforce[Northwind].hourly_rate`); the form addresses them by index.
    const pools = (this.document?.workforce ?? []).map((pool) => pool.name);
    const path = field
      .replace(/^input\.(base\.)?document\./, "")
      .replace(/\[([^\]]+)\]/g, (_, key) => `.${/^\d+$/.test(key) ? key : pools.indexOf(key)}`);
    // The scenario's name is saved beside the document (`input.name`), not inside it.
    const input = path === "input.name" ? this.form.querySelector("#f-name") : this.form.querySelector(`[data-path="${CSS.escape(path)}"]`);
    if (input) {
      // Said beside the input, which is brought into view: a banner at the top of a long form is out of sight.
      input.id ||= fieldId(path);
      fieldError(input, message || "This value was refused.");
      return true;
    }
    const raw = document.getElementById("raw-editor");
    raw.open = true; // the field has no form control: the JSON editor is where to fix it
    this.json.setAttribute("aria-invalid", "true");
    return false;
  }

  clearInvalid() {
    for (const input of this.form.querySelectorAll("[aria-invalid]")) {
      if (!input.closest("#demand-plan, #demand-spikes")) clearField(input);
    }
  }
}

function fieldId(path) {
  return `field-${path.replace(/[^\w-]/g, "-")}`;
}

/** Enough digits to edit, without binary noise like 41.436962119177096. */
function round(value) {
  return typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value;
}
