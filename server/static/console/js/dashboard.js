// A project's health dashboard, from one `projectDashboard` query: throughput, time per label and learning
// curves, review and rework, quality, cost burn against the budget, SLA attainment, the completion forecast
// with its interval, and speed outliers shown with their quality.

import { ApiError, expectType, graphql, isIdOf, NO_PROJECT, USER_ERROR } from "./api.js";
import { band, bar, COLORS, draw, line, percentAxis, percentTooltip, reference } from "./charts.js";
import { date, money, number, percent, seconds, titleCase } from "./format.js";
import { HEALTH_FIELDS, reasonList, verdictBadge } from "./health.js";
import { renderAlerts } from "./alerts.js";
import { renderDelivery } from "./delivery.js";
import { ISSUE_FIELDS, renderIssueThreads } from "./issues.js";
import { renderPipeline } from "./pipeline.js";
import { clearErrors, el, isolated, isolatedList, renderKpis, showError, startPage, status } from "./shell.js";
import { addCsvButton, cell, dataTable, exportButton } from "./tables.js";

const DAY_MS = 86_400_000;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026-10-04" as "4 Oct": short enough for axis ticks to stay horizontal. */
function shortDay(day) {
  const [, month, dayOfMonth] = day.split("-").map(Number);
  return `${dayOfMonth} ${MONTHS[month - 1]}`;
}
const LEARNING_CURVES_SHOWN = 6;

const DASHBOARD = `
  query ConsoleDashboard($projectId: ID!, $from: DateTime, $to: DateTime, $asOf: DateTime) {
    project(id: $projectId) { id name status dataType deadline budget currency
      sla { turnaroundHours targetShare } vendors { name } health(asOf: $asOf) { ${HEALTH_FIELDS} } }
    projectDashboard(projectId: $projectId, from: $from, to: $to, asOf: $asOf) {
      __typename
      ... on ProjectDashboard {
        projectName from to qualityTarget
        quality { labels benchmarkLabels benchmarkAccuracy reviews approvalRate firstPassAcceptance reworkRate }
        agreement { units pairwise alpha }
        issues { raised open resolved meanHoursToResolve }
        speed { labels meanSeconds medianSeconds p90Seconds meanReviewSeconds meanReworkSeconds
          labelsPerDay labelingHours labelsPerLabelerHour }
        cost { cost acceptedLabels costPerAcceptedLabel hours budget { budget spent burn remaining } }
        forecast { asOf remainingTasks lookbackDays dailyCompletions meanPerDay stdevPerDay confidence
          expectedDays earliestDays latestDays expectedDate earliestDate latestDate deadline onTrack }
        sla { turnaroundHours targetShare completed withinSla attainment met openBreached }
        days { day labels meanSeconds medianSeconds p90Seconds acceptedLabels firstPassAcceptance reworkRate
          benchmarkAccuracy reviews approvalRate meanReviewSeconds labelingHours cost completedTasks slaAttainment }
        labelers { labelerId vendorId labels meanSeconds medianSeconds labelsPerHour labelingHours cost agreement
          quality { benchmarkAccuracy approvalRate firstPassAcceptance reworkRate } }
        learningCurves { labelerId initialSeconds plateauSeconds tauDays firstWeekMeanSeconds
          latestWeekMeanSeconds improvement points { tenureDay day labels meanSeconds } }
        outliers { labelerId tenureWeek labels meanSeconds cohortSize cohortMedianSeconds robustZ direction
          benchmarkAccuracy firstPassAcceptance approvalRate }
        labelerOutliers { labelerId labels profile qualityZ quality speedZ speed
          benchmarkAccuracy { ...Share } approval { ...Share } firstTimeRight { ...Share } agreement { ...Share } }
      }
      ${USER_ERROR}
    }
  }
  fragment Share on QualityShare { share count cohortShare cohortCount z }`;

const NAMES = `
  query ConsoleLabelerNames($ids: [ID!]!) {
    nodes(ids: $ids) { ... on Labeler { id name vendor { name } } }
  }`;

const projectId = document.body.dataset.projectId;
const MAX_ISSUES = 50; // the latest ones; the count says when there are more

/** The window from the form: whole UTC days, `to` inclusive on screen and exclusive in the query. The forecast
 * and health are as of the window's end, or now when it ends later (a window ending today must not make every open
 * task late). */
function windowFromForm() {
  const from = document.getElementById("from").value;
  const to = document.getElementById("to").value;
  const end = to ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) : null;
  const now = new Date();
  return {
    from: from ? `${from}T00:00:00Z` : null,
    to: end ? end.toISOString() : null,
    asOf: end && end < now ? end.toISOString() : now.toISOString(),
  };
}

/** The window in the address (`?from=…&to=…`), so a view can be shared and survives a reload. */
function windowFromAddress() {
  const params = new URLSearchParams(window.location.search);
  const valid = (value) => (/^\d{4}-\d{2}-\d{2}$/.test(value ?? "") ? value : "");
  document.getElementById("from").value = valid(params.get("from"));
  document.getElementById("to").value = valid(params.get("to"));
}

function windowToAddress() {
  const params = new URLSearchParams();
  for (const id of ["from", "to"]) {
    const value = document.getElementById(id).value;
    if (value) params.set(id, value);
  }
  const query = params.toString();
  window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
}

/** A reversed window is said beside the form (and nothing is asked of the server); true when the window is fine. */
function checkWindow() {
  const from = document.getElementById("from");
  const to = document.getElementById("to");
  const note = document.getElementById("window-error");
  const reversed = from.value && to.value && to.value < from.value;
  note.hidden = !reversed;
  note.textContent = reversed ? `The window is reversed: To (${to.value}) is before From (${from.value}). Swap them or clear one.` : "";
  if (reversed) to.setAttribute("aria-invalid", "true");
  else to.removeAttribute("aria-invalid");
  return !reversed;
}

/** `nodes(ids:)` takes at most a page of ids, so larger projects ask in pages. */
const IDS_PER_REQUEST = 100;

async function labelerNames(ids) {
  const pages = [];
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) pages.push(ids.slice(start, start + IDS_PER_REQUEST));
  const answers = await Promise.all(pages.map((page) => graphql(NAMES, { ids: page })));
  return new Map(answers.flatMap((data) => data.nodes.filter(Boolean)).map((node) => [node.id, node]));
}

function kpis(dashboard, project) {
  const { quality, agreement, speed, cost, forecast, sla, issues } = dashboard;
  const currency = project.currency;
  const interval =
    forecast.earliestDate && forecast.latestDate
      ? `${percent(forecast.confidence, 0)} interval ${date(forecast.earliestDate)} – ${date(forecast.latestDate)}`
      : "no recent throughput to project";
  const budget = cost.budget;
  return [
    { id: "labels", label: "Labels", value: number(speed.labels), note: `${number(speed.labelsPerDay, 1)} per active day` },
    {
      id: "time-per-label",
      label: "Median time per label",
      value: seconds(speed.medianSeconds),
      note: `mean ${seconds(speed.meanSeconds)}, p90 ${seconds(speed.p90Seconds)}`,
    },
    {
      id: "approval",
      label: "Review approval",
      value: percent(quality.approvalRate),
      note: `first pass ${percent(quality.firstPassAcceptance)} of ${number(quality.reviews)} reviews`,
    },
    {
      id: "rework",
      label: "Rework rate",
      value: percent(quality.reworkRate),
      note: `${seconds(speed.meanReworkSeconds)} per reworked label`,
    },
    {
      id: "benchmark",
      label: "Benchmark accuracy",
      value: percent(quality.benchmarkAccuracy),
      note: `target ${percent(dashboard.qualityTarget, 0)}, ${number(quality.benchmarkLabels)} benchmark labels`,
      tone: quality.benchmarkAccuracy === null ? null : quality.benchmarkAccuracy >= dashboard.qualityTarget ? "good" : "bad",
    },
    {
      id: "agreement",
      label: "Consensus agreement",
      value: percent(agreement.pairwise),
      note: `Krippendorff's α ${number(agreement.alpha, 2)} on ${number(agreement.units)} tasks`,
    },
    {
      id: "sla",
      label: "SLA attainment",
      value: percent(sla.attainment),
      note: `target ${percent(sla.targetShare, 0)} in ${sla.turnaroundHours} h; ${number(sla.openBreached)} open tasks late`,
      tone: sla.met === null ? null : sla.met ? "good" : "bad",
    },
    {
      id: "cost-per-label",
      label: "Cost per accepted label",
      value: money(cost.costPerAcceptedLabel, currency),
      note: `${money(cost.cost, currency, 0)} in all`,
    },
    {
      id: "budget",
      label: "Budget burn",
      value: budget?.budget ? percent(budget.burn) : "no budget",
      note: budget?.budget ? `${money(budget.spent, currency, 0)} of ${money(budget.budget, currency, 0)}` : null,
      tone: budget?.burn > 1 ? "bad" : null,
    },
    {
      id: "forecast",
      label: "Open tasks cleared (no new tasks)",
      value: forecast.remainingTasks === 0 ? "none open" : date(forecast.expectedDate),
      // Not coloured: it ignores incoming tasks; the health verdict above counts them.
      note: `${number(forecast.remainingTasks)} tasks open; ${interval}`,
    },
    {
      id: "issues",
      label: "Open issues",
      value: number(issues.open),
      note: `${number(issues.raised)} raised, ${number(issues.resolved)} resolved`,
    },
  ];
}

function drawThroughput(days) {
  const labels = days.map((d) => shortDay(d.day));
  draw("chart-throughput", {
    type: "bar",
    data: {
      labels,
      datasets: [
        bar("Labels submitted", days.map((d) => d.labels), COLORS[0]),
        line("Tasks completed", days.map((d) => d.completedTasks), COLORS[1]),
      ],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: "Per day" } } } },
  });
}

function drawSpeed(days) {
  draw("chart-speed", {
    type: "line",
    data: {
      labels: days.map((d) => shortDay(d.day)),
      datasets: [
        line("p90", days.map((d) => d.p90Seconds), COLORS[4], { borderDash: [4, 3] }),
        line("Mean", days.map((d) => d.meanSeconds), COLORS[0]),
        line("Median", days.map((d) => d.medianSeconds), COLORS[2]),
      ],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: "Seconds per label" } } } },
  });
}

function fitted(curve, maxDay) {
  if (curve.initialSeconds === null || curve.plateauSeconds === null || !curve.tauDays) return [];
  const points = [];
  for (let t = 0; t <= maxDay; t += Math.max(maxDay / 40, 0.5)) {
    const y = curve.plateauSeconds + (curve.initialSeconds - curve.plateauSeconds) * Math.exp(-t / curve.tauDays);
    points.push({ x: t, y });
  }
  return points;
}

function drawLearning(curves, names) {
  const busiest = [...curves]
    .sort((a, b) => b.points.reduce((s, p) => s + p.labels, 0) - a.points.reduce((s, p) => s + p.labels, 0))
    .slice(0, LEARNING_CURVES_SHOWN);
  const datasets = [];
  busiest.forEach((curve, index) => {
    const color = COLORS[index % COLORS.length];
    const name = names.get(curve.labelerId)?.name ?? "a labeler";
    const maxDay = Math.max(0, ...curve.points.map((p) => p.tenureDay));
    datasets.push({
      type: "scatter",
      label: name,
      data: curve.points.map((p) => ({ x: p.tenureDay, y: p.meanSeconds })),
      borderColor: color,
      pointRadius: 2,
      backgroundColor: `${color}99`,
    });
    const fit = fitted(curve, maxDay);
    if (fit.length) {
      // The chart is a scatter, whose datasets hide their lines unless told otherwise.
      datasets.push(line(`${name} (fit)`, fit, color, { band: true, showLine: true, borderWidth: 2.5, tension: 0.3 }));
    }
  });
  draw("chart-learning", {
    type: "scatter",
    data: { datasets },
    options: {
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: { type: "linear", title: { display: true, text: "Tenure (days since first label)" } },
        y: { beginAtZero: true, title: { display: true, text: "Seconds per label" } },
      },
    },
  });
  const improvements = curves.map((c) => c.improvement).filter((v) => v !== null).sort((a, b) => a - b);
  const median = improvements.length ? improvements[Math.floor(improvements.length / 2)] : null;
  document.getElementById("learning-caption").textContent =
    `Daily mean seconds per label by tenure (dots) and fitted curves (lines) of the ${busiest.length} busiest labelers. ` +
    `Median improvement from first to latest week: ${percent(median)} faster.`;
}

function drawReview(days) {
  draw("chart-review", {
    type: "line",
    data: {
      labels: days.map((d) => shortDay(d.day)),
      datasets: [
        line("Approval rate", days.map((d) => d.approvalRate), COLORS[0]),
        line("First-pass acceptance", days.map((d) => d.firstPassAcceptance), COLORS[2]),
        line("Rework rate", days.map((d) => d.reworkRate), COLORS[1]),
        line("Review seconds", days.map((d) => d.meanReviewSeconds), COLORS[7], { yAxisID: "y1", borderDash: [3, 3] }),
      ],
    },
    options: {
      scales: {
        y: percentAxis(),
        y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "Seconds" } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (c) => (c.dataset.yAxisID === "y1" ? `${c.dataset.label}: ${seconds(c.parsed.y)}` : percentTooltip(c)),
          },
        },
      },
    },
  });
}

function drawQuality(days, dashboard) {
  const labels = days.map((d) => shortDay(d.day));
  draw("chart-quality", {
    type: "line",
    data: {
      labels,
      datasets: [
        line("Benchmark accuracy", days.map((d) => d.benchmarkAccuracy), COLORS[0], { pointRadius: 2 }),
        reference(`Quality target ${percent(dashboard.qualityTarget, 0)}`, dashboard.qualityTarget, labels, COLORS[0]),
        line("SLA attainment", days.map((d) => d.slaAttainment), COLORS[3]),
        reference(`SLA target ${percent(dashboard.sla.targetShare, 0)}`, dashboard.sla.targetShare, labels, COLORS[3]),
      ],
    },
    options: {
      scales: { y: percentAxis({ min: undefined, suggestedMin: 0.6 }) },
      plugins: { tooltip: { callbacks: { label: percentTooltip } } },
    },
  });
}

function drawCost(days, dashboard, project) {
  const currency = project.currency;
  const labels = days.map((d) => shortDay(d.day));
  let total = 0;
  const cumulative = days.map((d) => (total += d.cost));
  const datasets = [line("Spent", cumulative, COLORS[0], { fill: "origin", backgroundColor: "rgba(0, 114, 178, 0.12)" })];
  const budget = dashboard.cost.budget;
  const caption = document.getElementById("burn-caption");
  const recent = days.slice(-14);
  const perDay = recent.length ? recent.reduce((s, d) => s + d.cost, 0) / recent.length : 0;
  let text = `Cumulative spend by day: ${money(total, currency, 0)} in the window, ${money(perDay, currency, 0)} a day lately.`;
  if (budget?.budget) {
    const deadline = project.deadline ? Date.parse(project.deadline) : null;
    const daysLeft = deadline ? Math.max(0, (deadline - Date.now()) / DAY_MS) : null;
    const projected = daysLeft === null ? null : budget.spent + perDay * daysLeft;
    if (projected !== null) {
      text += ` At that pace ${money(projected, currency, 0)} (${percent(projected / budget.budget, 0)} of the budget) is spent by the deadline.`;
    }
    // A budget line far above the spend would flatten the curve to nothing; the bar above shows the share.
    if (budget.spent >= 0.2 * budget.budget || (projected ?? 0) >= 0.5 * budget.budget) {
      datasets.push(reference(`Budget ${money(budget.budget, currency, 0)}`, budget.budget, labels, COLORS[1]));
    }
    const fill = document.getElementById("budget-fill");
    fill.style.width = `${Math.min(100, (budget.burn ?? 0) * 100).toFixed(1)}%`;
    fill.classList.toggle("over", (budget.burn ?? 0) > 1);
    const barBox = document.getElementById("budget-bar");
    barBox.hidden = false;
    barBox.setAttribute("role", "meter");
    barBox.setAttribute("aria-label", "Budget spent");
    barBox.setAttribute("aria-valuemin", "0");
    barBox.setAttribute("aria-valuemax", String(budget.budget));
    barBox.setAttribute("aria-valuenow", String(budget.spent));
    barBox.setAttribute("aria-valuetext", `${percent(budget.burn)} of the budget spent`);
    barBox.title = `${percent(budget.burn)} of ${money(budget.budget, currency, 0)} spent`;
  }
  caption.textContent = text;
  draw("chart-cost", {
    type: "line",
    data: { labels, datasets },
    options: {
      scales: { y: { beginAtZero: true, title: { display: true, text: currency } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y, currency, 0)}` } } },
    },
  });
}

function drawForecast(forecast) {
  const caption = document.getElementById("forecast-caption");
  const remaining = forecast.remainingTasks;
  const history = forecast.dailyCompletions.map((count, index) => ({
    x: index - forecast.dailyCompletions.length + 1,
    y: count,
  }));
  const datasets = [bar("Completed per day (recent)", history, COLORS[7], { yAxisID: "y1" })];
  if (remaining > 0 && forecast.expectedDays) {
    // Every line is sampled on the same days, so the band's fill runs between matching points.
    const horizon = Math.ceil(forecast.latestDays ?? forecast.expectedDays);
    const steps = Array.from({ length: horizon * 4 + 1 }, (_, index) => index / 4);
    const burn = (days) => steps.map((x) => ({ x, y: Math.max(0, remaining * (1 - x / days)) }));
    datasets.push(
      ...band(burn(forecast.earliestDays ?? forecast.expectedDays), burn(forecast.latestDays ?? forecast.expectedDays), COLORS[0], {
        tension: 0,
      }),
      line("Remaining tasks (expected)", burn(forecast.expectedDays), COLORS[0], { tension: 0 }),
    );
    // Completions only: the health verdict above is the one that counts incoming tasks.
    const deadline = forecast.deadline
      ? ` Deadline ${date(forecast.deadline)}: ${forecast.onTrack ? "met" : "missed"} if no new tasks arrived.`
      : "";
    caption.textContent =
      `${number(remaining)} tasks left at ${number(forecast.meanPerDay, 1)} a day (last ${forecast.lookbackDays} days): ` +
      `expected ${date(forecast.expectedDate)}, ${percent(forecast.confidence, 0)} interval ` +
      `${date(forecast.earliestDate)} – ${date(forecast.latestDate)} (shaded).${deadline}`;
  } else {
    caption.textContent =
      remaining === 0 ? "Every task is done." : "No tasks were completed recently, so there is no pace to project.";
  }
  draw("chart-forecast", {
    type: "line",
    data: { datasets },
    options: {
      scales: {
        x: { type: "linear", title: { display: true, text: `Days from ${date(forecast.asOf)}` } },
        y: { beginAtZero: true, title: { display: true, text: "Remaining tasks" } },
        y1: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "Completed per day" } },
      },
    },
  });
}

function nameCell(names, id) {
  const node = names.get(id);
  return [el("th", { scope: "row", text: node?.name ?? "Unknown labeler" }), el("td", { text: node?.vendor?.name ?? "–" })];
}

function renderOutliers(outliers, names) {
  const body = document.querySelector("#outliers-table tbody");
  const rows = [...outliers].sort((a, b) => Math.abs(b.robustZ ?? 0) - Math.abs(a.robustZ ?? 0));
  body.replaceChildren(
    ...rows.map((o) =>
      el(
        "tr",
        {},
        nameCell(names, o.labelerId),
        el("td", { class: "num", text: String(o.tenureWeek + 1) }),
        el("td", { class: "num", text: number(o.labels) }),
        el("td", { class: "num", text: seconds(o.meanSeconds) }),
        el("td", { class: "num", text: seconds(o.cohortMedianSeconds) }),
        el("td", { class: "num", text: number(o.robustZ, 1) }),
        el("td", { class: (o.direction ?? "").toLowerCase(), text: titleCase(o.direction) }),
        el("td", { class: "num", text: percent(o.benchmarkAccuracy) }),
        el("td", { class: "num", text: percent(o.approvalRate) }),
        el("td", { class: "num", text: percent(o.firstPassAcceptance) }),
      ),
    ),
  );
  if (!rows.length) {
    body.append(el("tr", {}, el("td", { colspan: 11, class: "empty" }, "No labeler is out of the norm in this window.")));
  }
}

const PROFILES = {
  FAST_AND_CARELESS: "Fast and careless",
  CARELESS: "Careless",
  SLOW_AND_CAREFUL: "Slow and careful",
  SLOW: "Slow",
  FAST: "Fast",
  CAREFUL: "Careful",
};
// Worst first when sorted by profile: careless work costs rework, slowness costs throughput, care is good news.
const PROFILE_RANK = { FAST_AND_CARELESS: 5, CARELESS: 4, SLOW: 3, SLOW_AND_CAREFUL: 2, FAST: 1, CAREFUL: 0 };

function labelerName(names, id) {
  return names.get(id)?.name ?? "Unknown labeler";
}

function labelerHref(id) {
  return `/console/labelers/${encodeURIComponent(id)}?project=${encodeURIComponent(projectId)}`;
}

function labelerLink(names, id) {
  return el("th", { scope: "row" }, el("a", { href: labelerHref(id) }, labelerName(names, id)));
}

/** "78.0% of 45 (cohort 93.1%)", marked when the share is well below the cohort's. */
function shareCell(share) {
  if (!share || share.share === null) return cell("–", { num: true });
  const low = share.z !== null && share.z <= -2;
  const high = share.z !== null && share.z >= 2;
  return el(
    "td",
    { class: `num${low ? " worse" : high ? " better" : ""}`, title: share.z === null ? "too few to score" : `z = ${number(share.z, 1)}` },
    `${percent(share.share)} of ${number(share.count)}`,
    el("small", { class: "cohort", text: `cohort ${percent(share.cohortShare)}` }),
  );
}

function speedText(o) {
  if (o.speedZ === null) return "–";
  const direction = o.speedZ < 0 ? "faster" : "slower";
  return `${o.speed ? titleCase(o.speed) : "typical"} (z ${number(o.speedZ, 1)}, ${direction} than the cohort)`;
}

function renderAttention(profiles, names) {
  dataTable(
    document.getElementById("attention-table"),
    profiles,
    [
      { label: "Labeler", value: (o) => labelerName(names, o.labelerId), cell: (o) => labelerLink(names, o.labelerId) },
      { label: "Vendor", value: (o) => names.get(o.labelerId)?.vendor?.name ?? "", cell: (o) => cell(names.get(o.labelerId)?.vendor?.name ?? "–") },
      {
        label: "Profile",
        value: (o) => PROFILE_RANK[o.profile] ?? -1,
        cell: (o) => el("td", { class: `profile ${o.profile.toLowerCase()}`, text: PROFILES[o.profile] ?? titleCase(o.profile) }),
      },
      { label: "Labels", num: true, value: (o) => o.labels, cell: (o) => cell(number(o.labels), { num: true }) },
      { label: "Benchmark accuracy", num: true, value: (o) => o.benchmarkAccuracy.share, cell: (o) => shareCell(o.benchmarkAccuracy) },
      { label: "Approval", num: true, value: (o) => o.approval.share, cell: (o) => shareCell(o.approval) },
      { label: "First time right", num: true, value: (o) => o.firstTimeRight.share, cell: (o) => shareCell(o.firstTimeRight) },
      { label: "Agreement", num: true, value: (o) => o.agreement.share, cell: (o) => shareCell(o.agreement) },
      { label: "Quality z", num: true, value: (o) => o.qualityZ, cell: (o) => cell(number(o.qualityZ, 1), { num: true }) },
      { label: "Speed", value: (o) => o.speedZ, cell: (o) => cell(speedText(o)) },
    ],
    { sort: 2, descending: true, empty: "No labeler is out of the norm in this window.", csv: "labelers-needing-attention" },
  );
}

function renderLabelers(labelers, curves, profiles, names, currency) {
  const improvement = new Map(curves.map((c) => [c.labelerId, c.improvement]));
  const profile = new Map(profiles.map((p) => [p.labelerId, p.profile]));
  const vendor = (l) => names.get(l.labelerId)?.vendor?.name ?? "";
  dataTable(
    document.getElementById("labelers-table"),
    labelers,
    [
      { label: "Labeler", value: (l) => labelerName(names, l.labelerId), cell: (l) => labelerLink(names, l.labelerId) },
      { label: "Vendor", value: vendor, cell: (l) => cell(vendor(l) || "–") },
      {
        label: "Profile",
        value: (l) => PROFILE_RANK[profile.get(l.labelerId)] ?? null,
        cell: (l) => cell(PROFILES[profile.get(l.labelerId)] ?? ""),
      },
      { label: "Labels", num: true, value: (l) => l.labels, cell: (l) => cell(number(l.labels), { num: true }) },
      { label: "Median s/label", num: true, value: (l) => l.medianSeconds, cell: (l) => cell(seconds(l.medianSeconds), { num: true }) },
      { label: "Labels/hour", num: true, value: (l) => l.labelsPerHour, cell: (l) => cell(number(l.labelsPerHour, 1), { num: true }) },
      {
        label: "Improvement since week 1",
        num: true,
        value: (l) => improvement.get(l.labelerId) ?? null,
        cell: (l) => cell(percent(improvement.get(l.labelerId) ?? null), { num: true }),
      },
      { label: "Agreement", num: true, value: (l) => l.agreement, cell: (l) => cell(percent(l.agreement), { num: true }) },
      {
        label: "Benchmark accuracy",
        num: true,
        value: (l) => l.quality.benchmarkAccuracy,
        cell: (l) => cell(percent(l.quality.benchmarkAccuracy), { num: true }),
      },
      { label: "Approval rate", num: true, value: (l) => l.quality.approvalRate, cell: (l) => cell(percent(l.quality.approvalRate), { num: true }) },
      { label: "Rework rate", num: true, value: (l) => l.quality.reworkRate, cell: (l) => cell(percent(l.quality.reworkRate), { num: true }) },
      { label: "Cost", num: true, value: (l) => l.cost, cell: (l) => cell(money(l.cost, currency, 0), { num: true }) },
    ],
    {
      filter: document.getElementById("labelers-filter"),
      caption: document.getElementById("labelers-count"),
      text: (l) => `${labelerName(names, l.labelerId)} ${vendor(l)} ${PROFILES[profile.get(l.labelerId)] ?? ""}`,
      sort: 3,
      descending: true,
      rowClass: (l) => (profile.has(l.labelerId) ? "flagged" : null),
      empty: "No labels in this window.",
      csv: "labelers",
    },
  );
}

function renderHealth(health) {
  document.getElementById("health-verdict").replaceChildren(verdictBadge(health));
  const reasons = reasonList(health);
  const note = health
    ? el("p", { class: "meta", text: `As of ${date(health.asOf)}, over the last ${health.lookbackDays} days; the worst aspect decides.` })
    : null;
  document.getElementById("health-reasons").replaceChildren(reasons, note ?? "");
}

/** A project with nothing recorded says so, instead of drawing empty charts. */
function showNoData(project, dashboard) {
  const empty = dashboard.speed.labels === 0 && dashboard.forecast.remainingTasks === 0 && dashboard.sla.completed === 0;
  const notice = document.getElementById("no-data");
  notice.hidden = !empty;
  document.getElementById("activity").hidden = empty;
  if (empty) {
    const windowed = document.getElementById("from").value || document.getElementById("to").value;
    notice.replaceChildren(
      ...(windowed
        ? ["No data yet in this window: no labels, no completed tasks and no open tasks. Try “All time”."]
        : ["No data yet: ", isolated(project.name), ` has no tasks or labels recorded (${titleCase(project.status).toLowerCase()}).`]),
    );
  }
  return empty;
}

async function load() {
  if (!checkWindow()) {
    status("The window is reversed; nothing was loaded.");
    return;
  }
  if (!isIdOf("Project", projectId)) throw new ApiError(NO_PROJECT);
  status("Loading the dashboard…");
  const data = await graphql(DASHBOARD, { projectId, ...windowFromForm() });
  if (!data.project) throw new ApiError(NO_PROJECT);
  const project = data.project;
  const dashboard = expectType(data.projectDashboard, "ProjectDashboard", "Dashboard");
  document.title = `${project.name} · LabelOps console`;
  document.getElementById("project-name").textContent = project.name;
  document.getElementById("project-meta").replaceChildren(
    `${titleCase(project.status)} · ${titleCase(project.dataType)} · SLA ${percent(project.sla.targetShare, 0)} within ` +
      `${project.sla.turnaroundHours} h · deadline ${date(project.deadline)} · vendors: `,
    ...isolatedList(project.vendors.map((v) => v.name)),
  );
  renderHealth(project.health);
  if (showNoData(project, dashboard)) {
    status("No data yet.");
    return;
  }
  const profiles = dashboard.labelerOutliers;
  const ids = [
    ...new Set([...dashboard.labelers, ...dashboard.outliers, ...dashboard.learningCurves, ...profiles].map((x) => x.labelerId)),
  ];
  const names = await labelerNames(ids);
  renderKpis(document.getElementById("kpis"), kpis(dashboard, project));
  const days = dashboard.days;
  drawThroughput(days);
  drawSpeed(days);
  drawLearning(dashboard.learningCurves, names);
  drawReview(days);
  drawQuality(days, dashboard);
  drawCost(days, dashboard, project);
  drawForecast(dashboard.forecast);
  renderAttention(profiles, names);
  renderOutliers(dashboard.outliers, names);
  addCsvButton(document.getElementById("outliers-table"), "speed-outliers");
  renderLabelers(dashboard.labelers, dashboard.learningCurves, profiles, names, project.currency);
  await Promise.all([renderPipeline(projectId, labelerHref), loadIssues(), renderAlerts(projectId)]);
  await renderDelivery(projectId, windowFromForm().asOf, project.currency);
  const span = days.length ? `${date(days[0].day)} – ${date(days[days.length - 1].day)}` : "no labeled days";
  status(`${days.length} days of work (${span}).`);
}

function reload() {
  clearErrors();
  windowToAddress();
  load().catch((error) => {
    status("The dashboard could not be loaded; see the message above.");
    showError(error);
  });
}

document.getElementById("window-form").addEventListener("submit", (event) => {
  event.preventDefault();
  reload();
});
document.getElementById("window-all").addEventListener("click", () => {
  document.getElementById("from").value = "";
  document.getElementById("to").value = "";
  reload();
});

const ISSUES = `
  query ConsoleProjectIssues($filter: IssueFilter!) {
    issues(filter: $filter, first: ${MAX_ISSUES}, orderBy: { field: UPDATED_AT }) {
      totalCount edges { node { ${ISSUE_FIELDS} } }
    }
  }`;

/** The project's issues in the chosen status, most recently active first, each with its thread and controls. */
async function loadIssues() {
  const chosen = document.getElementById("issues-status");
  const filter = { projectId, ...(chosen.value ? { status: chosen.value } : {}) };
  const connection = (await graphql(ISSUES, { filter })).issues;
  const issues = connection.edges.map((edge) => edge.node);
  const what = chosen.selectedOptions[0].textContent;
  document.getElementById("issues-count").textContent =
    connection.totalCount > issues.length ? `the latest ${issues.length} of ${connection.totalCount}` : `${issues.length} ${what}`;
  renderIssueThreads(document.getElementById("issues"), issues, loadIssues, { empty: `No ${what}.`, withRaiser: true });
}

document.getElementById("issues-status").addEventListener("change", () => loadIssues().catch((error) => showError(error)));

/** The server's exports of the tables the charts are drawn from, for the window in the form when clicked. */
const CHART_EXPORTS = [
  ["Days (CSV)", "dashboard-days"],
  ["SLA by day (CSV)", "dashboard-sla-days"],
  ["Cost by day and vendor (CSV)", "dashboard-usage"],
];
document.getElementById("chart-downloads").replaceChildren(
  ...CHART_EXPORTS.map(([label, table]) => exportButton(label, table, () => ({ projectId, ...windowFromForm() }))),
);

windowFromAddress();
document.getElementById("guidelines-link").href = `/console/projects/${encodeURIComponent(projectId)}/guidelines`;
startPage(load);
