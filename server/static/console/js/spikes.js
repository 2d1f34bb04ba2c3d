// The planner's demand spikes: each multiplies demand on days [start, start + duration) of the scenario
// (`demand.spikes`, as in a TOML scenario), edited as rows of number inputs instead of JSON. A wrong value is
// marked and said beside the table, naming the spike and the value.

import { el } from "./shell.js";

const FIELDS = [
  // [field, what it is called, min, whether min itself is refused]
  ["start_day", "start day", 0, false],
  ["duration_days", "duration in days", 0, true],
  ["multiplier", "demand multiplier", 0, false],
];

export class SpikesEditor {
  /** `onChange(spikes)` receives the spikes each time every row holds valid numbers. */
  constructor({ onChange = () => {} } = {}) {
    this.body = document.querySelector("#spikes-table tbody");
    this.note = document.getElementById("spikes-error");
    this.onChange = onChange;
    const fieldset = document.getElementById("demand-spikes");
    fieldset.addEventListener("input", () => this.apply());
    document.getElementById("add-spike").addEventListener("click", () => {
      const row = this.row({ start_day: 0, duration_days: 1, multiplier: 1.5 }, this.body.rows.length);
      this.body.append(row);
      this.apply();
      row.querySelector("input").focus();
    });
  }

  load(spikes = []) {
    this.body.replaceChildren(...spikes.map((spike, index) => this.row(spike, index)));
    this.clear();
  }

  row(spike, index) {
    const name = `Spike ${index + 1}`;
    const row = el(
      "tr",
      {},
      el("th", { scope: "row", text: name }),
      FIELDS.map(([field, what, min]) =>
        el(
          "td",
          {},
          // step="any": a multiplier of 1.25 or a half-day start is kept as typed, never rounded by the browser.
          el("input", { type: "number", step: "any", min: String(min), "data-field": field, value: spike[field] ?? "", "aria-label": `${name}: ${what}` }),
        ),
      ),
      el(
        "td",
        {},
        el("button", { type: "button", class: "secondary", "aria-label": `Remove ${name.toLowerCase()}`, onclick: () => this.remove(row) }, "Remove"),
      ),
    );
    return row;
  }

  remove(row) {
    row.remove();
    // Rows are named by position: renumber so the names in messages match what is on screen.
    const spikes = this.values();
    this.load(spikes.map((spike) => Object.fromEntries(Object.entries(spike).map(([k, v]) => [k, Number.isNaN(v) ? "" : v]))));
    this.apply();
  }

  values() {
    return [...this.body.rows].map((row) =>
      Object.fromEntries(FIELDS.map(([field]) => [field, row.querySelector(`[data-field="${field}"]`).valueAsNumber])),
    );
  }

  clear() {
    for (const input of this.body.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
    this.note.textContent = "";
    this.note.hidden = true;
  }

  /** Mark `input` and say `message` beside the table; returns null for `read`. */
  fail(input, message) {
    if (input) {
      input.setAttribute("aria-invalid", "true");
      // Tied to the note under the table, so a screen reader coming back to the input hears what is wrong.
      input.setAttribute("aria-describedby", this.note.id);
    }
    this.note.textContent = message;
    this.note.hidden = false;
    return null;
  }

  /** The spikes as the scenario holds them, or null after marking the value at fault. */
  read() {
    this.clear();
    const spikes = [];
    for (const [index, row] of [...this.body.rows].entries()) {
      const spike = {};
      for (const [field, what, min, exclusive] of FIELDS) {
        const input = row.querySelector(`[data-field="${field}"]`);
        const value = input.valueAsNumber;
        const shown = input.value === "" ? "nothing" : `“${input.value}”`;
        const bound = exclusive ? `more than ${min}` : `at least ${min}`;
        if (Number.isNaN(value) || value < min || (exclusive && value === min)) {
          return this.fail(input, `Spike ${index + 1}: the ${what} must be a number ${bound}, got ${shown}.`);
        }
        spike[field] = value;
      }
      spikes.push(spike);
    }
    return spikes;
  }

  apply() {
    const spikes = this.read();
    if (spikes !== null) this.onChange(spikes);
    return spikes;
  }

  /** Point at the row behind a server error path such as `demand.spikes[1].multiplier`; true if found. */
  markInvalid(message) {
    const found = /demand\.spikes\[(\d*)\](?:\.(\w+))?/.exec(message);
    if (!found) return false;
    // Validation paths say `spikes[]` without the index: then only the message can point.
    const row = found[1] === "" ? null : this.body.rows[Number(found[1])];
    const input = row?.querySelector(`[data-field="${found[2] ?? "multiplier"}"]`) ?? null;
    this.fail(input, message);
    return true;
  }
}
