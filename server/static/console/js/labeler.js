// One labeler: who they are (vendor, stage, rate, projects), their learning curve and quality week by week of
// tenure, their cost, how they moved through the hiring stages, and the issues they raised (readable and
// answerable here). Weeks are asked for in one request, one aliased `operationsMetrics` per week.

import { ApiError, expectType, graphql, isIdOf, NO_LABELER, USER_ERROR } from "./api.js";
import { bar, COLORS, draw, line, percentAxis, percentTooltip, reference } from "./charts.js";
import { date, money, number, percent, seconds, titleCase } from "./format.js";
import { isolated, isolatedList, renderKpis, showError, startPage, status } from "./shell.js";
import { cell, dataTable } from "./tables.js";
import { ISSUE_FIELDS, renderIssueThreads } from "./issues.js";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const MAX_WEEKS = 12; // one alias per week, well under the API's alias limit

const labelerId = document.body.dataset.labelerId;
const projectId = new URLSearchParams(window.location.search).get("project") || null; // `?project=` is none
const NO_PROJECT_IN_ADDRESS = "The project in the address does not exist (or this API key may not see it).";

const LABELER = `
  query ConsoleLabeler($id: ID!, $projectId: ID, $projectNode: ID!, $withProject: Boolean!) {
    node(id: $id) { ... on Labeler { id name email stage hourlyRate timeZone createdAt vendor { name currency }
      stageHistory { stage enteredAt note } projects { id name } } }
    project: node(id: $projectNode) @include(if: $withProject) { ... on Project { id name qualityTarget currency } }
    issues(filter: { raisedById: $id }, first: 50) { edges { node { ${ISSUE_FIELDS} } } }
    total: operationsMetrics(labelerId: $id, projectId: $projectId) {
      __typename
      ... on OperationsMetrics { quality { labels benchmarkAccuracy approvalRate firstPassAcceptance reworkRate }
        speed { medianSeconds labelsPerLabelerHour } cost { cost acceptedLabels costPerAcceptedLabel hours } }
      ${USER_ERROR}
    }
  }`;

const WEEK_FIELDS = `__typename ... on OperationsMetrics { quality { labels benchmarkLabels benchmarkAccuracy reviews
  approvalRate firstPassAcceptance } speed { medianSeconds } cost { cost } } ${USER_ERROR}`;

/** Weeks of tenure from the first PRODUCTION (or TRAINING) entry, the latest `MAX_WEEKS` of them. */
function tenureWeeks(labeler) {
  const history = labeler.stageHistory ?? [];
  const started =
    history.find((e) => e.stage === "PRODUCTION") ?? history.find((e) => e.stage === "TRAINING") ?? { enteredAt: labeler.createdAt };
  const start = Date.parse(started.enteredAt);
  const count = Math.max(1, Math.ceil((Date.now() - start) / WEEK_MS));
  const first = Math.max(0, count - MAX_WEEKS);
  return Array.from({ length: count - first }, (_, i) => {
    const index = first + i;
    return { index, from: new Date(start + index * WEEK_MS), to: new Date(Math.min(start + (index + 1) * WEEK_MS, Date.now())) };
  });
}

async function weekly(weeks) {
  const args = weeks.map((_, i) => `$f${i}: DateTime!, $t${i}: DateTime!`).join(", ");
  const fields = weeks
    .map((_, i) => `w${i}: operationsMetrics(labelerId: $id, projectId: $projectId, from: $f${i}, to: $t${i}) { ${WEEK_FIELDS} }`)
    .join("\n");
  const variables = { id: labelerId, projectId };
  weeks.forEach((week, i) => {
    variables[`f${i}`] = week.from.toISOString();
    variables[`t${i}`] = week.to.toISOString();
  });
  const data = await graphql(`query ConsoleLabelerWeeks($id: ID!, $projectId: ID, ${args}) { ${fields} }`, variables);
  return weeks.map((week, i) => ({ ...week, ...expectType(data[`w${i}`], "OperationsMetrics", `Week ${week.index + 1}`) }));
}

function renderStages(history) {
  const rows = history.map((event, i) => {
    const next = history[i + 1];
    const end = next ? Date.parse(next.enteredAt) : Date.now();
    return { ...event, days: (end - Date.parse(event.enteredAt)) / DAY_MS, current: !next };
  });
  dataTable(
    document.getElementById("stages-table"),
    rows,
    [
      { label: "Stage", value: (r) => r.stage, cell: (r) => cell(`${titleCase(r.stage)}${r.current ? " (now)" : ""}`, { header: true }) },
      { label: "Since", value: (r) => Date.parse(r.enteredAt), cell: (r) => cell(date(r.enteredAt)) },
      { label: "Days in stage", num: true, value: (r) => r.days, cell: (r) => cell(number(r.days, 0), { num: true }) },
      { label: "Note", value: (r) => r.note, cell: (r) => cell(r.note || "–") },
    ],
    { empty: "No stage changes recorded.", csv: "stage-history" },
  );
}

function drawWeeks(weeks, target) {
  const labels = weeks.map((w) => `Week ${w.index + 1}`);
  draw("chart-learning", {
    type: "bar",
    data: {
      labels,
      datasets: [
        line("Median s/label", weeks.map((w) => w.speed.medianSeconds), COLORS[0], { yAxisID: "y", pointRadius: 3 }),
        bar("Labels", weeks.map((w) => w.quality.labels), COLORS[7], { yAxisID: "y1" }),
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, title: { display: true, text: "Seconds per label" } },
        y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "Labels" } },
      },
    },
  });
  const datasets = [
    line("Benchmark accuracy", weeks.map((w) => w.quality.benchmarkAccuracy), COLORS[0], { pointRadius: 3 }),
    line("Approval", weeks.map((w) => w.quality.approvalRate), COLORS[2], { pointRadius: 3 }),
    line("First-pass acceptance", weeks.map((w) => w.quality.firstPassAcceptance), COLORS[1], { pointRadius: 3 }),
  ];
  if (target !== null) datasets.push(reference(`Quality target ${percent(target, 0)}`, target, labels));
  draw("chart-quality", {
    type: "line",
    data: { labels, datasets },
    options: { scales: { y: percentAxis({ min: undefined, suggestedMin: 0.5 }) }, plugins: { tooltip: { callbacks: { label: percentTooltip } } } },
  });
}

function renderWeeks(weeks, currency) {
  dataTable(
    document.getElementById("weeks-table"),
    weeks,
    [
      { label: "Tenure week", value: (w) => w.index, cell: (w) => cell(`Week ${w.index + 1} (from ${date(w.from.toISOString())})`, { header: true }) },
      { label: "Labels", num: true, value: (w) => w.quality.labels, cell: (w) => cell(number(w.quality.labels), { num: true }) },
      { label: "Median s/label", num: true, value: (w) => w.speed.medianSeconds, cell: (w) => cell(seconds(w.speed.medianSeconds), { num: true }) },
      {
        label: "Benchmark accuracy",
        num: true,
        value: (w) => w.quality.benchmarkAccuracy,
        cell: (w) => cell(`${percent(w.quality.benchmarkAccuracy)} of ${number(w.quality.benchmarkLabels)}`, { num: true }),
      },
      {
        label: "Approval",
        num: true,
        value: (w) => w.quality.approvalRate,
        cell: (w) => cell(`${percent(w.quality.approvalRate)} of ${number(w.quality.reviews)}`, { num: true }),
      },
      { label: "First-pass acceptance", num: true, value: (w) => w.quality.firstPassAcceptance, cell: (w) => cell(percent(w.quality.firstPassAcceptance), { num: true }) },
      { label: "Cost", num: true, value: (w) => w.cost.cost, cell: (w) => cell(money(w.cost.cost, currency, 0), { num: true }) },
    ],
    { sort: 0, csv: "labeler-weeks" },
  );
}

async function load() {
  if (!isIdOf("Labeler", labelerId)) throw new ApiError(NO_LABELER);
  if (projectId !== null && !isIdOf("Project", projectId)) throw new ApiError(NO_PROJECT_IN_ADDRESS);
  status("Loading the labeler…");
  const data = await graphql(LABELER, {
    id: labelerId,
    projectId,
    projectNode: projectId ?? labelerId, // unused unless there is a project; the variable must still be an ID
    withProject: Boolean(projectId),
  });
  const labeler = data.node;
  if (!labeler?.name) throw new ApiError(NO_LABELER);
  if (projectId !== null && !data.project) throw new ApiError(NO_PROJECT_IN_ADDRESS);
  const project = data.project ?? null;
  const currency = project?.currency ?? labeler.vendor.currency ?? "USD";
  document.title = `${labeler.name} · LabelOps console`;
  document.getElementById("labeler-name").textContent = labeler.name;
  const crumb = document.getElementById("project-crumb");
  if (project) {
    crumb.hidden = false;
    crumb.href = `/console/projects/${encodeURIComponent(project.id)}`;
    crumb.textContent = project.name;
  }
  document.getElementById("labeler-meta").replaceChildren(
    isolated(labeler.vendor.name),
    ` · ${titleCase(labeler.stage)} · ${money(labeler.hourlyRate, currency)} an hour · projects: `,
    ...isolatedList(labeler.projects.map((p) => p.name)),
    ...(project ? [" · figures for ", isolated(project.name)] : [" · figures over every project"]),
  );
  const total = expectType(data.total, "OperationsMetrics", "Figures");
  renderKpis(document.getElementById("kpis"), [
    { id: "labels", label: "Labels", value: number(total.quality.labels) },
    { id: "median", label: "Median time per label", value: seconds(total.speed.medianSeconds) },
    { id: "benchmark", label: "Benchmark accuracy", value: percent(total.quality.benchmarkAccuracy) },
    { id: "approval", label: "Review approval", value: percent(total.quality.approvalRate) },
    { id: "rework", label: "Rework rate", value: percent(total.quality.reworkRate) },
    {
      id: "cost",
      label: "Cost",
      value: money(total.cost.cost, currency, 0),
      note: `${money(total.cost.costPerAcceptedLabel, currency)} per accepted label, ${number(total.cost.hours, 1)} h`,
    },
  ]);
  renderStages(labeler.stageHistory);
  renderIssueThreads(
    document.getElementById("issues"),
    data.issues.edges.map((e) => e.node),
    load,
    { empty: "No issues raised.", withProject: true },
  );
  const weeks = await weekly(tenureWeeks(labeler));
  drawWeeks(weeks, project?.qualityTarget ?? null);
  renderWeeks(weeks, currency);
  status(`${weeks.length} weeks of tenure shown${weeks[0]?.index ? ` (the latest ${MAX_WEEKS})` : ""}.`);
}

startPage(() => load().catch((error) => {
  status("");
  showError(error);
}));
