// The what-if planner: start from a calibrated or stored scenario, edit it, save and run it (polling the run's
// progress), see backlog, headcount by stage, SLA attainment and cost with 95% bands, compare variants on the
// same random numbers, and search for the cheapest hiring plan that meets the SLA.

import { ApiError, expectType, graphql, USER_ERROR } from "./api.js";
import { band, bar, COLORS, draw, line, percentAxis, percentTooltip } from "./charts.js";
import { interval, money, number, percent } from "./format.js";
import { DemandPlanEditor } from "./demand-plan.js";
import { SpikesEditor } from "./spikes.js";
import { checkedNumber, fieldError } from "./fields.js";
import { checkOffer, loadOfferVendors } from "./offer.js";
import { ScenarioForm } from "./scenario-form.js";
import { busy, clearErrors, el, renderKpis, showError, startPage, status } from "./shell.js";
import { addCsvButton, exportButton } from "./tables.js";

const POLL_MS = 400;
const FINISHED = new Set(["DONE", "FAILED", "CANCELLED"]);

const START = `
  query ConsolePlannerStart {
    projects(first: 100, orderBy: { field: NAME }) { edges { node { id name status tasks(first: 1) { totalCount } } } }
    scenarios { id name version createdAt }
  }`;

const CALIBRATE = `
  query ConsoleCalibrate($projectId: ID!) {
    calibrateScenario(projectId: $projectId) {
      __typename
      ... on CalibrationResult { document weeksOfHistory }
      ${USER_ERROR}
    }
  }`;

const SCENARIO = `query ConsoleScenario($id: ID!) { scenario(id: $id) { id name version document } }`;

const SAVE = `
  mutation ConsoleSaveScenario($input: SaveScenarioInput!) {
    saveScenario(input: $input) {
      __typename
      ... on ScenarioPayload { scenario { id name version } }
      ${USER_ERROR}
    }
  }`;

const RUN = `
  mutation ConsoleRunSimulation($input: RunSimulationInput!) {
    runSimulation(input: $input) {
      __typename
      ... on RunPayload { run { id status progress } }
      ${USER_ERROR}
    }
  }`;

const CANCEL = `
  mutation ConsoleCancelRun($id: ID!) {
    cancelRun(id: $id) { __typename ... on RunPayload { run { id status } } ${USER_ERROR} }
  }`;

const POLL = `query ConsoleRunProgress($id: ID!) { run(id: $id) { id status progress error } }`;

const RESULT = `
  query ConsoleRunResult($id: ID!) {
    run(id: $id) { id status replications summary { name mean ciLow ciHigh n } result }
  }`;

const ESTIMATE = "name mean ciLow ciHigh n";
const MAX_HIRES = 1000; // the most the server considers hiring into one pool

const COMPARE = `
  query ConsoleCompare($input: CompareScenariosInput!) {
    compareScenarios(input: $input) {
      __typename
      ... on ScenarioComparison { replications variants { name summary { ${ESTIMATE} } } }
      ${USER_ERROR}
    }
  }`;

const PLAN = `hires { pool day count } description replications probability probabilityCiLow probabilityCiHigh
  slaAttainment { ${ESTIMATE} } expectedCost { ${ESTIMATE} }`;

const CHEAPEST = `
  query ConsoleCheapestPlan($input: CheapestPlanInput!) {
    cheapestPlan(input: $input) {
      __typename
      ... on PlanSearch {
        feasible candidates evaluated requiredProbability reviewers
        limits { kind message } pruned { pool reason }
        best { ${PLAN} } runnerUps { ${PLAN} }
      }
      ${USER_ERROR}
    }
  }`;

// Every default means something in any scenario: a slower hiring ramp would not where nobody is hired (the
// server refuses such a variant and says why).
const DEFAULT_VARIANTS = [
  { name: "+20% demand", demandMultiplier: 1.2 },
  { name: "Double attrition", attritionMultiplier: 2 },
  { name: "20% faster labelers", speedMultiplier: 1.2 },
];
const VARIANT_FIELDS = [
  ["demandMultiplier", "demand multiplier", 1, "0.05"],
  ["hiringDelayMultiplier", "hiring delay multiplier", 1, "0.05"],
  ["attritionMultiplier", "attrition multiplier", 1, "0.1"],
  ["headcountDelta", "head count change", 0, "1"],
  ["speedMultiplier", "speed multiplier", 1, "0.05"],
];

const editor = new ScenarioForm({
  onChange: (document) => renderOptions(document),
  onLoad: (document) => {
    demandPlan.load(document.demand?.params ?? {});
    spikes.load(document.demand?.spikes ?? []);
  },
});
const demandPlan = new DemandPlanEditor({
  onChange: (plan) => editor.setDemandPlan(plan),
  horizonDays: () => editor.current()?.horizon_days ?? null,
});
const spikes = new SpikesEditor({ onChange: (list) => editor.setSpikes(list) });
let activeRun = null;

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error from a planning call: field errors also point at the input to fix. */
function report(error, context) {
  if (error instanceof ApiError && error.kind === "input" && error.field && document.getElementById(error.field)) {
    // Already said beside the control at fault, which is in view and focused.
    status(`Not sent: ${error.detail}`);
    return;
  }
  if (error instanceof ApiError && markPlanningField(error.field, error.detail)) {
    showError(error);
    return;
  }
  const planError = error instanceof ApiError && /demand\.params/.test(`${error.field ?? ""} ${error.detail}`);
  const spikeError = error instanceof ApiError && /demand\.spikes/.test(`${error.field ?? ""} ${error.detail}`);
  if (planError) demandPlan.markInvalid(error.detail, error.detail);
  else if (spikeError) spikes.markInvalid(error.detail);
  else if (error instanceof ApiError && error.field) editor.markInvalid(error.field, error.detail);
  // A typed error already says what was asked ("Saving the scenario: ..."); others get the action's name.
  showError(error, error instanceof ApiError ? "" : context);
}

function currency() {
  return editor.current()?.currency ?? "USD";
}

// ---- Starting points ------------------------------------------------------------------------------------------

async function calibrate() {
  const select = $("calibrate-project");
  if (!select.value) throw new ApiError("Choose a project to calibrate from.");
  const name = select.selectedOptions[0].textContent;
  status(`Calibrating a scenario from the history of ${name}…`);
  const data = await graphql(CALIBRATE, { projectId: select.value });
  const result = expectType(data.calibrateScenario, "CalibrationResult", "Calibration");
  editor.load(result.document);
  status(`Calibrated from ${number(result.weeksOfHistory, 1)} weeks of ${name}'s history. Edit it, then run it.`);
}

async function loadStored() {
  const id = $("stored-scenario").value;
  if (!id) throw new ApiError("No stored scenario is selected.");
  const data = await graphql(SCENARIO, { id });
  if (!data.scenario) throw new ApiError("That scenario no longer exists.");
  editor.load(data.scenario.document);
  status(`Loaded ${data.scenario.name}, version ${data.scenario.version}.`);
}

function fillScenarios(scenarios, selectedId = null) {
  const select = $("stored-scenario");
  select.replaceChildren(
    ...(scenarios.length
      ? scenarios.map((s) => el("option", { value: s.id, selected: s.id === selectedId }, `${s.name} (v${s.version})`))
      : [el("option", { value: "" }, "none stored yet")]),
  );
}

// ---- Running ----------------------------------------------------------------------------------------------------

/** Bring the marked control of `fieldsetId` into view and focus, where its note says what is wrong. */
function revealInvalid(fieldsetId, message) {
  const input = $(fieldsetId).querySelector('[aria-invalid="true"]');
  input?.scrollIntoView({ block: "center" });
  input?.focus();
  return new ApiError(message);
}

async function saveAndRun() {
  const document = editor.current();
  if (!document) throw new ApiError("Load or calibrate a scenario first.");
  editor.clearInvalid();
  editor.checkNumbers();
  if (demandPlan.apply() === null) throw revealInvalid("demand-plan", "The demand plan has an error: it is marked next to its field.");
  if (spikes.apply() === null) throw revealInvalid("demand-spikes", "A demand spike has an error: it is marked in its row.");
  const replications = checkedNumber($("replications"), "Replications");
  const seed = checkedNumber($("seed"), "Seed");
  status("Saving the scenario…");
  const saved = expectType(
    (await graphql(SAVE, { input: { name: document.name || "console scenario", document, description: "From the web console" } }))
      .saveScenario,
    "ScenarioPayload",
    "Saving the scenario",
  ).scenario;
  const started = expectType(
    (await graphql(RUN, { input: { scenarioId: saved.id, replications, seed } })).runSimulation,
    "RunPayload",
    "Starting the run",
  ).run;
  activeRun = started.id;
  $("cancel-run").disabled = false;
  status(`Saved ${saved.name} as version ${saved.version}; running ${replications} replications…`);
  const data = await graphql(START);
  fillScenarios(data.scenarios, saved.id);
  await watch(started.id);
}

function showProgress(run) {
  $("run-progress").value = run.progress;
  $("run-state").textContent = `${run.status.toLowerCase()}, ${percent(run.progress, 0)} of the replications done`;
}

/** The finished run's figures as CSV files, from the server's exports of the run. */
function showRunDownloads(runId) {
  $("run-downloads").replaceChildren(
    exportButton("Summary with intervals (CSV)", "simulation-summary", () => ({ runId })),
    exportButton("Daily bands (CSV)", "simulation-daily", () => ({ runId })),
  );
}

/** Poll the run until it finishes; polling works through any proxy, where a websocket may not. */
async function watch(runId) {
  let run;
  for (;;) {
    run = (await graphql(POLL, { id: runId })).run;
    if (!run) throw new ApiError("The run disappeared.");
    showProgress(run);
    if (FINISHED.has(run.status)) break;
    await sleep(POLL_MS);
  }
  activeRun = null;
  $("cancel-run").disabled = true;
  if (run.status === "FAILED") throw new ApiError(`The run failed: ${run.error ?? "no reason recorded"}`);
  if (run.status === "CANCELLED") {
    status("The run was cancelled.");
    return;
  }
  const result = (await graphql(RESULT, { id: runId })).run;
  renderRun(result);
  showRunDownloads(runId);
  status(`Run finished: ${result.replications} replications.`);
}

async function cancel() {
  if (!activeRun) return;
  expectType((await graphql(CANCEL, { id: activeRun })).cancelRun, "RunPayload", "Cancelling the run");
}

function estimate(summary, name) {
  return summary.find((s) => s.name === name) ?? { mean: null, ciLow: null, ciHigh: null };
}

/** A triangle on the axis where each launch or spike of demand starts, named in the legend and the tooltip. */
function demandMarkers(days) {
  const demand = editor.current()?.demand ?? {};
  const events = [
    ...(demand.params?.launches ?? []).map((launch) => ({
      day: launch.start_day,
      label: `Launch: ${launch.name} (+${number(launch.extra_tasks, 0)} tasks over ${launch.duration_days} d)`,
    })),
    ...(demand.spikes ?? []).map((spike, index) => ({
      day: spike.start_day,
      label: `Spike ${index + 1}: demand ×${spike.multiplier} for ${spike.duration_days} d`,
    })),
  ];
  return events
    .filter((event) => event.day >= 0 && event.day < days.length)
    .map((event, index) =>
      line(
        event.label,
        days.map((_, day) => (day === Math.floor(event.day) ? 0 : null)),
        COLORS[(index + 4) % COLORS.length],
        { showLine: false, pointStyle: "triangle", pointRadius: 8, pointHoverRadius: 10, spanGaps: false, clip: false },
      ),
    );
}

function renderRun(run) {
  const summary = run.summary;
  const sla = estimate(summary, "sla_attainment");
  const required = editor.current()?.sla?.required_attainment ?? null;
  const cost = estimate(summary, "total_cost");
  const backlog = estimate(summary, "backlog_end");
  const perLabel = estimate(summary, "cost_per_accepted_label");
  const completed = estimate(summary, "tasks_completed");
  const headcount = estimate(summary, "mean_headcount_production");
  const turnaround = estimate(summary, "turnaround_p90_hours");
  const pct = (v) => percent(v);
  renderKpis($("run-kpis"), [
    {
      id: "sla",
      label: "SLA attainment",
      value: percent(sla.mean),
      note: `95% CI ${pct(sla.ciLow)} – ${pct(sla.ciHigh)}${required === null ? "" : `; need ${percent(required, 0)}`}`,
      tone: required === null || sla.mean === null ? null : sla.ciLow >= required ? "good" : sla.mean < required ? "bad" : null,
    },
    { id: "cost", label: "Total cost", value: money(cost.mean, currency(), 0), note: `95% CI ${money(cost.ciLow, currency(), 0)} – ${money(cost.ciHigh, currency(), 0)}` },
    { id: "backlog", label: "Backlog at the end", value: number(backlog.mean, 0), note: `95% CI ${number(backlog.ciLow, 0)} – ${number(backlog.ciHigh, 0)}` },
    { id: "per-label", label: "Cost per accepted label", value: money(perLabel.mean, currency()), note: `${number(completed.mean, 0)} tasks completed` },
    { id: "headcount", label: "Mean headcount in production", value: number(headcount.mean, 1) },
    { id: "turnaround", label: "Turnaround p90", value: `${number(turnaround.mean, 1)} h`, note: `95% CI ${number(turnaround.ciLow, 1)} – ${number(turnaround.ciHigh, 1)} h` },
  ]);
  const daily = run.result?.daily ?? {};
  const days = (daily.day?.mean ?? []).map((d) => `Day ${Math.round(d) + 1}`);
  const series = (key) => daily[key] ?? { mean: [], p2_5: [], p97_5: [] };
  const banded = (key, label, color, extra = {}) => [
    ...band(series(key).p2_5, series(key).p97_5, color, extra),
    line(label, series(key).mean, color, extra),
  ];
  draw("chart-backlog", {
    type: "line",
    data: { labels: days, datasets: [...banded("backlog", "Backlog (tasks)", COLORS[0]), ...demandMarkers(days)] },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: "Tasks" } } } },
  });
  draw("chart-headcount", {
    type: "line",
    data: {
      labels: days,
      datasets: [
        ...banded("headcount.production", "Production", COLORS[2]),
        ...banded("headcount.training", "Training", COLORS[4]),
        ...banded("headcount.hiring", "Hiring", COLORS[3]),
      ],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: "People" } } } },
  });
  draw("chart-sla", {
    type: "line",
    data: {
      labels: days,
      datasets: [
        ...banded("sla_attainment", "SLA attainment", COLORS[3]),
        ...(required === null ? [] : [line(`Required ${percent(required, 0)}`, days.map(() => required), "#7a808c", { borderDash: [6, 4], borderWidth: 1.5 })]),
      ],
    },
    options: { scales: { y: percentAxis({ min: undefined, suggestedMin: 0.5 }) }, plugins: { tooltip: { callbacks: { label: percentTooltip } } } },
  });
  draw("chart-cost", {
    type: "line",
    data: { labels: days, datasets: banded("cumulative_cost", "Cumulative cost", COLORS[1]) },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: currency() } } } },
  });
}

// ---- Variants ---------------------------------------------------------------------------------------------------

let variantRows = 0; // numbers the variant rows' inputs, whose ids their error notes are found by

function variantRow(variant = { name: "" }) {
  const row = el("tr", {});
  const id = `variant-${++variantRows}`;
  const nameInput = el("input", { type: "text", id: `${id}-name`, "data-key": "name", "data-note": "variants-error", value: variant.name, "aria-label": "Variant name", required: true });
  row.append(el("td", {}, nameInput));
  // Workforce changes apply to one pool or to every labeling pool; the review team is never changed by them.
  const pools = (editor.current()?.workforce ?? []).map((pool) => pool.name);
  const poolSelect = el(
    "select",
    { "data-key": "pool", "aria-label": `${variant.name || "New variant"}: pool` },
    el("option", { value: "", selected: !variant.pool }, "every labeling pool"),
    ...pools.map((name) => el("option", { value: name, selected: variant.pool === name }, name)),
  );
  row.append(el("td", {}, poolSelect));
  for (const [key, what, fallback, step] of VARIANT_FIELDS) {
    row.append(
      el(
        "td",
        {},
        el("input", {
          type: "number",
          step,
          id: `${id}-${key}`,
          "data-key": key,
          "data-note": "variants-error",
          value: String(variant[key] ?? fallback),
          "aria-label": `${variant.name || "New variant"}: ${what}`,
        }),
      ),
    );
  }
  row.append(
    el(
      "td",
      {},
      el("button", { type: "button", class: "secondary", onclick: () => row.remove(), "aria-label": `Remove ${variant.name || "variant"}` }, "Remove"),
    ),
  );
  return row;
}

/** The variants as typed; a blank or unreadable number is refused beside it, never replaced by the default. */
function readVariants() {
  return [...document.querySelectorAll("#variants-table tbody tr")].map((row, index) => {
    const variant = { name: row.querySelector('input[data-key="name"]').value.trim() || `Variant ${index + 1}` };
    const pool = row.querySelector('select[data-key="pool"]')?.value;
    if (pool) variant.pool = pool;
    for (const [key, what] of VARIANT_FIELDS) {
      variant[key] = checkedNumber(row.querySelector(`input[data-key="${key}"]`), `${variant.name}: ${what}`);
    }
    return variant;
  });
}

/**
 * Say a server refusal beside the variant or hiring option it names (`input.variants[1].demandMultiplier`,
 * `input.options[Northwind].counts`, `input.requiredProbability`); false when the field is not one of them.
 */
function markPlanningField(field, message) {
  if (!field) return false;
  let input = null;
  const variant = /^input\.variants\[(\d+)\]\.(\w+)/.exec(field);
  const option = /^input\.options\[([^\]]+)\]\.(counts|days)/.exec(field);
  if (variant) {
    const row = $("variants-table").querySelectorAll("tbody tr")[Number(variant[1])];
    input = row?.querySelector(`[data-key="${variant[2]}"]`) ?? row?.querySelector('[data-key="name"]');
  } else if (option) {
    const row = [...$("options-table").querySelectorAll("tbody tr")].find((r) => r.dataset.pool === option[1]);
    input = row?.querySelector(`[data-key="${option[2]}"]`) ?? null;
  } else if (field === "input.requiredProbability") {
    input = $("required-probability");
  }
  if (!input) return false;
  // Beside the input, the control's own name reads better than the API's path to it.
  const named = message?.startsWith(field) ? `${input.getAttribute("aria-label")}${message.slice(field.length)}` : message;
  fieldError(input, named || "This value was refused.");
  return true;
}

async function compare() {
  const document = editor.current();
  if (!document) throw new ApiError("Load or calibrate a scenario first.");
  const variants = readVariants();
  status(`Comparing ${variants.length} variants with the baseline…`);
  const data = await graphql(COMPARE, {
    input: { base: { document }, variants, replications: checkedNumber($("compare-replications"), "Replications per variant") },
  });
  const comparison = expectType(data.compareScenarios, "ScenarioComparison", "Comparison");
  const rows = comparison.variants.map((variant) => ({
    name: variant.name,
    sla: estimate(variant.summary, "sla_attainment"),
    cost: estimate(variant.summary, "total_cost"),
    backlog: estimate(variant.summary, "backlog_end"),
    perLabel: estimate(variant.summary, "cost_per_accepted_label"),
  }));
  const table = $("comparison-table");
  table.hidden = false;
  addCsvButton(table, "scenario-comparison");
  table.querySelector("tbody").replaceChildren(
    ...rows.map((row) =>
      el(
        "tr",
        {},
        el("th", { scope: "row", text: row.name }),
        el("td", { class: "num", text: interval(row.sla.mean, row.sla.ciLow, row.sla.ciHigh, (v) => percent(v)) }),
        el("td", { class: "num", text: interval(row.cost.mean, row.cost.ciLow, row.cost.ciHigh, (v) => money(v, currency(), 0)) }),
        el("td", { class: "num", text: interval(row.backlog.mean, row.backlog.ciLow, row.backlog.ciHigh, (v) => number(v, 0)) }),
        el("td", { class: "num", text: money(row.perLabel.mean, currency()) }),
      ),
    ),
  );
  draw("chart-compare", {
    type: "bar",
    data: {
      labels: rows.map((r) => r.name),
      datasets: [
        bar("SLA attainment", rows.map((r) => r.sla.mean), COLORS[3]),
        bar("Total cost", rows.map((r) => r.cost.mean), COLORS[1], { yAxisID: "y1" }),
      ],
    },
    options: {
      scales: {
        x: { ticks: { autoSkip: false } }, // a handful of variants: every name must show
        y: percentAxis(),
        y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: currency() } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (c) => (c.dataset.yAxisID === "y1" ? `${c.dataset.label}: ${money(c.parsed.y, currency(), 0)}` : percentTooltip(c)),
          },
        },
      },
    },
  });
  status(`Compared ${rows.length} scenarios on ${comparison.replications} shared replications each.`);
}

// ---- Cheapest plan ----------------------------------------------------------------------------------------------

/** Variant rows name the loaded scenario's pools; a pool no longer in it falls back to every labeling pool. */
function refreshVariantPools(document) {
  const pools = (document?.workforce ?? []).map((pool) => pool.name);
  for (const select of window.document.querySelectorAll('#variants-table select[data-key="pool"]')) {
    const chosen = select.value;
    select.replaceChildren(
      el("option", { value: "", selected: !pools.includes(chosen) }, "every labeling pool"),
      ...pools.map((name) => el("option", { value: name, selected: name === chosen }, name)),
    );
  }
}

function renderOptions(document) {
  refreshVariantPools(document);
  const body = document ? $("options-table").querySelector("tbody") : null;
  if (!body) return;
  const previous = new Map(
    [...body.querySelectorAll("tr")].map((row) => [row.dataset.pool, [...row.querySelectorAll("input")].map((i) => i.value)]),
  );
  body.replaceChildren(
    ...(document.workforce ?? []).map((pool, index) => {
      const [counts, days] = previous.get(pool.name) ?? ["0, 2, 4", "0"];
      const id = `option-${index}`;
      return el(
        "tr",
        { "data-pool": pool.name },
        el("th", { scope: "row", text: pool.name }),
        el("td", {}, el("input", { type: "text", id: `${id}-counts`, "data-key": "counts", "data-note": "options-error", value: counts, "aria-label": `${pool.name}: head counts to consider`, inputmode: "numeric" })),
        el("td", {}, el("input", { type: "text", id: `${id}-days`, "data-key": "days", "data-note": "options-error", value: days, "aria-label": `${pool.name}: hiring start days`, inputmode: "numeric" })),
      );
    }),
  );
}

/**
 * The numbers listed in a text input ("0, 2, 4"), each checked; the first wrong one is named beside the input.
 * Finite only: "1e999" reads as Infinity, which JSON would send as null.
 */
function listedNumbers(input, what, { whole, max = Infinity }) {
  const parts = input.value.split(/[\s,;]+/).filter(Boolean);
  const kind = whole ? "whole numbers" : "numbers";
  const range = max === Infinity ? "0 or more" : `from 0 to ${max}`;
  for (const part of parts) {
    const value = Number(part);
    if (!Number.isFinite(value) || value < 0 || value > max || (whole && !Number.isInteger(value))) {
      throw fieldError(input, `${what} must be ${kind} ${range}, separated by commas; “${part}” is not.`);
    }
  }
  if (!parts.length) throw fieldError(input, `${what}: list at least one, such as 0.`);
  return parts.map(Number);
}

async function cheapest() {
  const document = editor.current();
  if (!document) throw new ApiError("Load or calibrate a scenario first.");
  const options = [...$("options-table").querySelectorAll("tbody tr")]
    .map((row) => {
      const [counts, days] = row.querySelectorAll("input");
      return {
        pool: row.dataset.pool,
        counts: listedNumbers(counts, `${row.dataset.pool}: head counts`, { whole: true, max: MAX_HIRES }),
        days: listedNumbers(days, `${row.dataset.pool}: start days`, { whole: false }),
      };
    })
    .filter((option) => option.counts.some((count) => count > 0));
  if (!options.length) throw new ApiError("Give at least one pool a head count above 0 to consider.");
  status("Searching hiring plans: climbing from hiring nobody on shared random numbers, then confirming…");
  const data = await graphql(CHEAPEST, {
    input: { base: { document }, options, requiredProbability: checkedNumber($("required-probability"), "Required chance") },
  });
  const search = expectType(data.cheapestPlan, "PlanSearch", "Cheapest plan");
  renderPlan(search);
  status(`Simulated ${search.evaluated} of the ${search.candidates} plans the options allow.`);
}

function planLine(plan) {
  return [
    el("p", {}, el("strong", { text: plan.description })),
    el(
      "p",
      {},
      `Chance of meeting the SLA: ${percent(plan.probability)} (95% CI ${percent(plan.probabilityCiLow)} – ${percent(plan.probabilityCiHigh)}); `,
      `expected cost ${interval(plan.expectedCost.mean, plan.expectedCost.ciLow, plan.expectedCost.ciHigh, (v) => money(v, currency(), 0))}; `,
      `SLA attainment ${percent(plan.slaAttainment.mean)}.`,
    ),
  ];
}

function renderPlan(search) {
  const box = $("plan-result");
  box.hidden = false;
  const verdict = search.feasible
    ? el("p", { class: "feasible", text: `Meets the SLA with at least ${percent(search.requiredProbability, 0)} probability:` })
    : el("p", { class: "infeasible", text: `No candidate met the SLA with ${percent(search.requiredProbability, 0)} probability; the closest:` });
  const runners = search.runnerUps.length
    ? el(
        "table",
        { class: "data" },
        el("caption", { class: "visually-hidden", text: "Runner-up plans" }),
        el(
          "thead",
          {},
          el("tr", {}, el("th", { scope: "col", text: "Runner-up" }), el("th", { scope: "col", class: "num", text: "P(SLA met)" }), el("th", { scope: "col", class: "num", text: "Expected cost" })),
        ),
        el(
          "tbody",
          {},
          search.runnerUps.map((plan) =>
            el(
              "tr",
              {},
              el("th", { scope: "row", text: plan.description }),
              el("td", { class: "num", text: percent(plan.probability) }),
              el("td", { class: "num", text: money(plan.expectedCost.mean, currency(), 0) }),
            ),
          ),
        ),
      )
    : el("p", { class: "meta", text: "No runner-up plans." });
  const limits = search.limits.length
    ? [el("h3", { text: "What limits it" }), el("ul", { class: "limits" }, search.limits.map((limit) => el("li", { "data-limit": limit.kind, text: limit.message })))]
    : [];
  const notes = [
    ...search.pruned.map((p) => el("p", { class: "meta", text: `Left out ${p.pool}: ${p.reason}.` })),
    ...(search.reviewers ? [el("p", { class: "meta", text: `Every plan ran with ${search.reviewers} reviewer(s), sized from the review demand.` })] : []),
  ];
  box.replaceChildren(el("h3", { text: "Cheapest plan" }), verdict, ...planLine(search.best), ...limits, ...notes, el("h3", { text: "Runner-ups" }), runners);
}

// ---- Wiring -----------------------------------------------------------------------------------------------------

// `resultId`: the action's answer on the page, hidden when a later try fails, so that an answer to earlier inputs
// never stands beside the error about the new ones.
function on(id, event, work, context, resultId = null) {
  $(id).addEventListener(event, (e) => {
    e.preventDefault();
    const button = e.submitter ?? (e.currentTarget instanceof HTMLButtonElement ? e.currentTarget : null);
    clearErrors(); // the banner speaks of the latest action only
    const run = () => work().catch((error) => {
      status("");
      if (resultId) $(resultId).hidden = true;
      report(error, context);
    });
    if (button) busy(button, run);
    else run();
  });
}

on("calibrate", "click", calibrate, "Calibration");
on("load-scenario", "click", loadStored, "Loading the scenario");
on("scenario-form", "submit", saveAndRun, "Run");
on("cancel-run", "click", cancel, "Cancel");
on("compare-form", "submit", compare, "Comparison", "comparison-table");
on("cheapest-form", "submit", cheapest, "Cheapest plan", "plan-result");
on("offer-form", "submit", async () => {
  const scenario = editor.current();
  if (!scenario) throw new ApiError("Load or calibrate a scenario first.");
  return checkOffer(scenario);
}, "Offer", "offer-result");
$("apply-json").addEventListener("click", () => {
  try {
    editor.applyJson();
    status("Applied the JSON to the form.");
  } catch (error) {
    showError(error);
  }
});
$("add-variant").addEventListener("click", () => {
  const row = variantRow({ name: "" });
  $("variants-table").querySelector("tbody").append(row);
  row.querySelector("input").focus();
});
$("variants-table").querySelector("tbody").append(...DEFAULT_VARIANTS.map(variantRow));

async function load() {
  status("Loading projects and stored scenarios…");
  const data = await graphql(START);
  const projects = data.projects.edges.map((edge) => edge.node);
  const select = $("calibrate-project");
  // Calibration needs recorded tasks: start from an active project that has some, never from a new empty one.
  const recorded = projects.filter((p) => p.tasks.totalCount > 0);
  const first = recorded.find((p) => p.status === "ACTIVE") ?? recorded[0] ?? projects[0];
  select.replaceChildren(...projects.map((p) => el("option", { value: p.id, selected: p === first }, p.name)));
  fillScenarios(data.scenarios);
  await loadOfferVendors();
  if (!editor.current() && recorded.includes(first)) await calibrate();
  else status("Choose where to start.");
}

startPage(load);
