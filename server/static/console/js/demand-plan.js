// The planner's demand plan: tasks per week (CSV a planner pastes from a spreadsheet) and named launches by date,
// written into the scenario document as the pattern demand's params (`weekly_volumes`, `launches`, `start_date`),
// the same fields a TOML scenario uses. Each control checks what it holds and shows its error beside itself.

import { el } from "./shell.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** "week,tasks" rows (a header allowed) or one number a line, as the server reads them; throws Error(line...). */
export function parseWeeklyPlan(text) {
  const lines = text.split(/\r?\n/).map((line, index) => [index + 1, line.trim()]).filter(([, line]) => line);
  // Finite only: "1e999" and "Infinity" parse as numbers in JavaScript, and JSON would carry them as null.
  const isNumber = (cell) => cell !== "" && Number.isFinite(Number(cell));
  // A header holds no number at all; a first line with one ("1, 5 000") is data to check, never dropped unread.
  if (lines.length && !lines[0][1].split(",").some((cell) => isNumber(cell.trim()))) lines.shift();
  const volumes = [];
  for (const [line, content] of lines) {
    const cells = content.split(",").map((cell) => cell.trim());
    if (cells.length > 2) throw new Error(`Line ${line}: write “week,tasks” or a number, not “${content}”.`);
    if (cells.length === 2 && cells[0] !== String(volumes.length + 1)) {
      throw new Error(`Line ${line}: expected week ${volumes.length + 1} (weeks in order from 1), got “${cells[0]}”.`);
    }
    const value = cells[cells.length - 1];
    if (!isNumber(value) || Number(value) < 0) throw new Error(`Line ${line}: tasks must be a number ≥ 0, got “${value}”.`);
    volumes.push(Number(value));
  }
  return volumes;
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function addDays(from, days) {
  return isoDay(new Date(Date.parse(`${from}T00:00:00Z`) + days * DAY_MS));
}

export class DemandPlanEditor {
  /**
   * `onChange(params)` receives the plan's params each time the controls hold a valid plan; `horizonDays()` is the
   * scenario's horizon, past which a launch would change nothing.
   */
  constructor({ onChange = () => {}, horizonDays = () => null } = {}) {
    this.horizonDays = horizonDays;
    this.start = document.getElementById("f-start-date");
    this.weekly = document.getElementById("f-weekly-plan");
    this.launches = document.querySelector("#launches-table tbody");
    this.onChange = onChange;
    const fieldset = document.getElementById("demand-plan");
    fieldset.addEventListener("input", () => this.apply());
    fieldset.addEventListener("change", () => this.apply());
    document.getElementById("add-launch").addEventListener("click", () => {
      const row = this.launchRow({ name: "" });
      this.launches.append(row);
      row.querySelector("input").focus();
    });
  }

  /** Show the plan in a scenario's demand params. */
  load(params = {}) {
    this.start.value = params.start_date ?? "";
    const volumes = params.weekly_volumes ?? [];
    this.weekly.value = volumes.length ? ["week,tasks", ...volumes.map((v, i) => `${i + 1},${v}`)].join("\n") : "";
    this.launches.replaceChildren(...(params.launches ?? []).map((launch) => this.launchRow(launch)));
    this.clear();
  }

  launchRow(launch) {
    const label = (what) => `${launch.name || "New launch"}: ${what}`;
    const date = this.start.value && launch.start_day !== undefined ? addDays(this.start.value, launch.start_day) : "";
    const row = el(
      "tr",
      // A launch loaded without a start date keeps its day until a date is chosen.
      { "data-start-day": launch.start_day ?? "" },
      el("td", {}, el("input", { type: "text", "data-field": "name", value: launch.name ?? "", "aria-label": label("launch name"), required: true })),
      el("td", {}, el("input", { type: "date", "data-field": "date", value: date, "aria-label": label("launch date") })),
      el("td", {}, el("input", { type: "number", "data-field": "extra_tasks", min: "0", step: "1", value: launch.extra_tasks ?? "", "aria-label": label("extra tasks") })),
      el("td", {}, el("input", { type: "number", "data-field": "duration_days", min: "1", step: "1", value: launch.duration_days ?? "", "aria-label": label("duration in days") })),
      el(
        "td",
        {},
        el("button", { type: "button", class: "secondary", onclick: () => { row.remove(); this.apply(); }, "aria-label": `Remove ${launch.name || "launch"}` }, "Remove"),
      ),
    );
    return row;
  }

  clear() {
    for (const node of document.querySelectorAll("#demand-plan [aria-invalid]")) {
      node.removeAttribute("aria-invalid");
      if (node.closest("#launches-table")) node.removeAttribute("aria-describedby");
    }
    for (const note of document.querySelectorAll("#demand-plan .field-error")) {
      note.textContent = "";
      note.hidden = true;
    }
  }

  /** Mark `input` invalid and say why in the error note `noteId` beside it. */
  fail(input, noteId, message) {
    input.setAttribute("aria-invalid", "true");
    // Tied to its note, so a screen reader coming back to the input hears what is wrong with it.
    input.setAttribute("aria-describedby", noteId);
    const note = document.getElementById(noteId);
    note.textContent = message;
    note.hidden = false;
    return null;
  }

  /** The plan's params, or null after marking the control that is wrong. */
  read() {
    this.clear();
    const params = {};
    const start = this.start.value;
    if (start) params.start_date = start;
    if (this.weekly.value.trim()) {
      try {
        params.weekly_volumes = parseWeeklyPlan(this.weekly.value);
      } catch (error) {
        return this.fail(this.weekly, "f-weekly-plan-error", error.message);
      }
    }
    const launches = [];
    const names = new Set();
    for (const row of this.launches.querySelectorAll("tr")) {
      const input = (field) => row.querySelector(`[data-field="${field}"]`);
      const name = input("name").value.trim();
      const what = name || `Launch ${launches.length + 1}`;
      if (!name) return this.fail(input("name"), "launches-error", `${what}: give the launch a name.`);
      if (names.has(name)) return this.fail(input("name"), "launches-error", `${what}: another launch has this name.`);
      names.add(name);
      let startDay;
      const date = input("date").value;
      if (date) {
        if (!start) return this.fail(this.start, "f-start-date-error", `Set the plan's start date to place ${what} by its date.`);
        startDay = daysBetween(start, date);
        if (startDay < 0) return this.fail(input("date"), "launches-error", `${what}: the date ${date} is before the plan starts (${start}).`);
        const horizon = this.horizonDays();
        if (Number.isFinite(horizon) && startDay >= horizon) {
          // Demand past the horizon is never simulated: the launch would be left out without a word.
          const last = addDays(start, horizon - 1);
          return this.fail(input("date"), "launches-error", `${what}: the date ${date} is after the ${horizon}-day horizon ends (${last}), so it would change nothing; move it or lengthen the horizon.`);
        }
      } else if (row.dataset.startDay !== "") {
        startDay = Number(row.dataset.startDay);
      } else {
        return this.fail(input("date"), "launches-error", `${what}: choose the launch date.`);
      }
      const extra = input("extra_tasks").valueAsNumber;
      if (Number.isNaN(extra) || extra < 0) return this.fail(input("extra_tasks"), "launches-error", `${what}: extra tasks must be a number ≥ 0.`);
      const duration = input("duration_days").valueAsNumber;
      if (Number.isNaN(duration) || duration < 1) return this.fail(input("duration_days"), "launches-error", `${what}: the duration must be at least 1 day.`);
      launches.push({ name, start_day: startDay, extra_tasks: extra, duration_days: duration });
    }
    if (launches.length) params.launches = launches;
    return params;
  }

  apply() {
    const params = this.read();
    if (params !== null) this.onChange(params);
    return params;
  }

  /** Point at the control behind a server error path such as `demand.params.launches[Berlin].extra_tasks`. */
  markInvalid(path, message) {
    if (path.includes("weekly_volumes")) {
      this.fail(this.weekly, "f-weekly-plan-error", message);
      return true;
    }
    if (path.includes("start_date")) {
      this.fail(this.start, "f-start-date-error", message);
      return true;
    }
    const launch = /launches\[([^\]]+)\](?:\.(\w+))?/.exec(path);
    if (!launch) return false;
    const rows = [...this.launches.querySelectorAll("tr")];
    const row = rows.find((r) => r.querySelector('[data-field="name"]').value.trim() === launch[1]) ?? rows[Number(launch[1])];
    const field = launch[2] === "start_day" ? "date" : launch[2] ?? "name";
    const input = row?.querySelector(`[data-field="${field}"]`) ?? this.launches.querySelector("input");
    if (input) this.fail(input, "launches-error", message);
    return true;
  }
}
