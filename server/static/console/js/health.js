// A project's health verdict as the console shows it: the same badge and reasons on the list and the dashboard,
// from the server's `Project.health` (computed once there, so the two pages cannot disagree).

import { el } from "./shell.js";

/** The fields to ask for on `Project.health`. */
export const HEALTH_FIELDS = "verdict summary asOf lookbackDays reasons { aspect verdict message }";

const LABELS = { NO_DATA: "No data yet", ON_TRACK: "On track", AT_RISK: "At risk", OFF_TRACK: "Off track" };
const ORDER = { NO_DATA: 0, ON_TRACK: 1, AT_RISK: 2, OFF_TRACK: 3 };

export function verdictLabel(verdict) {
  return LABELS[verdict] ?? "Unknown";
}

/** How bad a verdict is, for sorting: 0 (no data) to 3 (off track). */
export function verdictRank(verdict) {
  return ORDER[verdict] ?? -1;
}

/** A badge in words (never colour alone): "Off track". */
export function verdictBadge(health) {
  if (!health) return el("span", { class: "verdict unknown", text: "Not visible" });
  const verdict = health.verdict;
  return el("span", { class: `verdict ${verdict.toLowerCase().replace("_", "-")}`, "data-verdict": verdict }, verdictLabel(verdict));
}

/** Every aspect's reason, worst first, each with its own badge. */
export function reasonList(health) {
  if (!health) return el("p", { class: "meta", text: "This key may not see the project's health." });
  return el(
    "ul",
    { class: "reasons" },
    health.reasons.map((reason) => el("li", {}, verdictBadge(reason), " ", reason.message)),
  );
}
