// Vendors side by side: each vendor's offer (pricing, certifications, trial) next to what its labelers
// delivered (speed, quality, cost per accepted label), from `vendors` and one `operationsMetrics` per vendor.

import { graphql, expectType, USER_ERROR } from "./api.js";
import { bar, COLORS, draw, percentAxis } from "./charts.js";
import { money, number, percent, seconds, titleCase } from "./format.js";
import { el, startPage, status, showError } from "./shell.js";
import { addCsvButton } from "./tables.js";

const VENDORS = `
  query ConsoleVendors($after: String) {
    vendors(first: 100, after: $after, orderBy: { field: NAME }) {
      pageInfo { hasNextPage endCursor }
      edges { node {
        id name status workforceType pricingModel rate currency kickoffDays timeZone
        certifications dataTypes specialistSkills
        availableDaysPerWeek availableHoursPerDay languages communicationStyle responseHours
        channels { kind link note cadence preferred projectId }
        trialResults { quality labelsPerHour notes }
        labelers(first: 1) { totalCount }
        projects { id name dataType }
      } }
    }
  }`;

const METRICS = `
  query ConsoleVendorMetrics($vendorId: ID!, $projectId: ID, $from: DateTime) {
    effective: vendorEffectivePrice(vendorId: $vendorId, projectId: $projectId, from: $from) {
      __typename
      ... on VendorEffectivePrice { reviews reviewCost perAcceptedLabel }
      ${USER_ERROR}
    }
    operationsMetrics(vendorId: $vendorId, projectId: $projectId, from: $from) {
      __typename
      ... on OperationsMetrics {
        quality { labels benchmarkAccuracy approvalRate firstPassAcceptance reworkRate }
        agreement { byLabeler { agreeingPairs pairs } }
        speed { labels medianSeconds meanSeconds labelsPerLabelerHour labelsPerDay }
        cost { cost acceptedLabels costPerAcceptedLabel }
      }
      ${USER_ERROR}
    }
  }`;

async function allVendors() {
  const vendors = [];
  let after = null;
  do {
    const data = await graphql(VENDORS, { after });
    vendors.push(...data.vendors.edges.map((edge) => edge.node));
    after = data.vendors.pageInfo.hasNextPage ? data.vendors.pageInfo.endCursor : null;
  } while (after);
  return vendors;
}

function pricing(vendor) {
  const unit = vendor.pricingModel === "HOURLY" ? "per hour" : "per label";
  return `${money(vendor.rate, vendor.currency)} ${unit}`;
}

const NAMES = { SOC2_TYPE_II: "SOC 2 Type II", GDPR: "GDPR", HIPAA: "HIPAA" };

function tags(values) {
  if (!values.length) return el("span", { class: "empty", text: "none" });
  return values.map((value) => el("span", { class: "tag", text: NAMES[value] ?? titleCase(value) }));
}

/**
 * The vendor's labelers' agreement with the other labels on the same consensus tasks. The slice's top-level
 * `agreement.pairwise` covers every consensus task the slice touches, so it is pooled from `byLabeler` instead.
 */
function vendorAgreement(metric) {
  const rows = metric?.agreement.byLabeler ?? [];
  const pairs = rows.reduce((sum, row) => sum + row.pairs, 0);
  return pairs ? rows.reduce((sum, row) => sum + row.agreeingPairs, 0) / pairs : null;
}

/** Rows of the comparison: a label and how to show one vendor's cell (`best` marks the column to praise). */
const ROWS = [
  ["Status", (v) => titleCase(v.status)],
  ["Workforce", (v) => titleCase(v.workforceType)],
  ["Pricing", (v) => pricing(v)],
  ["Kick-off", (v) => `${v.kickoffDays} days`],
  ["Availability", (v) => availability(v)],
  ["Languages", (v) => (v.languages.length ? v.languages.join(", ") : unstated())],
  ["Communication", (v) => v.communicationStyle || unstated()],
  ["Answers within", (v) => (v.responseHours === null ? unstated() : `${number(v.responseHours, 0)} h`)],
  ["Preferred channel", (v) => preferredChannel(v)],
  ["Certifications", (v) => tags(v.certifications)],
  ["Data types", (v) => tags(v.dataTypes)],
  ["Labelers", (v) => number(v.labelers.totalCount)],
  ["Projects", (v) => (v.projects.length ? v.projects.map((p) => p.name).join(", ") : el("span", { class: "empty", text: "none" }))],
  ["Trial: accepted share", (v) => percent(v.trialResults?.quality)],
  ["Trial: labels per hour", (v) => number(v.trialResults?.labelsPerHour, 0)],
  ["Trial notes", (v) => v.trialResults?.notes || el("span", { class: "empty", text: "no trial recorded" })],
  ["Labels delivered", (v, m) => number(m?.quality.labels)],
  ["Median time per label", (v, m) => seconds(m?.speed.medianSeconds), "low", (m) => m?.speed.medianSeconds],
  ["Labels per labeler-hour", (v, m) => number(m?.speed.labelsPerLabelerHour, 1), "high", (m) => m?.speed.labelsPerLabelerHour],
  ["Benchmark accuracy", (v, m) => percent(m?.quality.benchmarkAccuracy), "high", (m) => m?.quality.benchmarkAccuracy],
  ["Review approval rate", (v, m) => percent(m?.quality.approvalRate), "high", (m) => m?.quality.approvalRate],
  ["Consensus agreement", (v, m) => percent(vendorAgreement(m)), "high", (m) => vendorAgreement(m)],
  ["Rework rate", (v, m) => percent(m?.quality.reworkRate), "low", (m) => m?.quality.reworkRate],
  ["Cost", (v, m) => money(m?.cost.cost, v.currency, 0)],
  [
    "Cost per accepted label",
    (v, m) => money(m?.cost.costPerAcceptedLabel, v.currency),
    "low",
    (m) => m?.cost.costPerAcceptedLabel,
  ],
  ["Review of its labels", (v, m) => reviewCost(v, m)],
  [
    "Effective price per accepted label",
    (v, m) => money(m?.effective.perAcceptedLabel, v.currency),
    "low",
    (m) => m?.effective.perAcceptedLabel,
  ],
  ["Quoted price per label", (v) => quoted(v)],
];

function unstated() {
  return el("span", { class: "empty", text: "not stated" });
}

function availability(vendor) {
  if (vendor.availableDaysPerWeek === null && vendor.availableHoursPerDay === null) return unstated();
  const days = vendor.availableDaysPerWeek === null ? "–" : number(vendor.availableDaysPerWeek);
  return `${days} days a week, ${number(vendor.availableHoursPerDay, 1)} h a day`;
}

/** The vendor-wide preferred channel, else its first one: a link where it has one, its note beside it. */
function preferredChannel(vendor) {
  const channel = vendor.channels.find((c) => c.preferred && c.projectId === null) ?? vendor.channels[0];
  if (!channel) return unstated();
  const label = `${titleCase(channel.kind)}, ${titleCase(channel.cadence).toLowerCase()}`;
  const link = /^https?:|^mailto:/.test(channel.link) ? el("a", { href: channel.link, rel: "noopener" }, label) : label;
  return el("span", { title: channel.note }, link, channel.note ? el("span", { class: "meta", text: ` · ${channel.note}` }) : null);
}

/** What reviewing the vendor's labels cost, whoever reviewed them (the vendor's own cost books only its reviewers). */
function reviewCost(vendor, metric) {
  if (!metric) return money(null);
  if (!metric.effective.reviews) return el("span", { class: "empty", text: "no reviews" });
  return `${money(metric.effective.reviewCost, vendor.currency)} for ${number(metric.effective.reviews)} reviews`;
}

/** What the offer says a label costs: the per-label rate, or the hourly rate over the trial's labels per hour. */
function quoted(vendor) {
  if (vendor.pricingModel !== "HOURLY") return `${money(vendor.rate, vendor.currency)} quoted`;
  const perHour = vendor.trialResults?.labelsPerHour;
  if (!perHour) return el("span", { class: "empty", text: "hourly, no trial speed to convert" });
  return `${money(vendor.rate / perHour, vendor.currency)} (${money(vendor.rate, vendor.currency)}/h at the trial's ${number(perHour, 0)} labels/h)`;
}

// A handful of labels can look best by chance; only vendors with a real track record are ranked.
const MIN_LABELS_TO_RANK = 100;

function bestIndex(vendors, metrics, direction, pick) {
  let best = -1;
  metrics.forEach((m, index) => {
    // An offboarded vendor cannot be hired again: it is never the one to praise.
    if (vendors[index].status === "OFFBOARDED") return;
    if (!m || m.quality.labels < MIN_LABELS_TO_RANK) return;
    const value = pick(m);
    if (value === null || value === undefined) return;
    const current = best < 0 ? null : pick(metrics[best]);
    if (current === null || (direction === "low" ? value < current : value > current)) best = index;
  });
  return best;
}

function renderTable(vendors, metrics) {
  const table = document.getElementById("vendors-table");
  addCsvButton(table, "vendors");
  table.querySelector("thead tr").replaceChildren(
    el("th", { scope: "col" }, "Vendor"),
    ...vendors.map((vendor) =>
      el("th", { scope: "col" }, vendor.name, " ", vendor.status === "OFFBOARDED" ? el("small", { class: "cohort", text: "offboarded" }) : null),
    ),
  );
  table.querySelector("tbody").replaceChildren(
    ...ROWS.map(([label, cell, direction, pick]) => {
      const best = direction ? bestIndex(vendors, metrics, direction, pick) : -1;
      return el(
        "tr",
        {},
        el("th", { scope: "row" }, label),
        ...vendors.map((vendor, index) =>
          el(
            "td",
            { class: index === best ? "best" : null, title: index === best ? `Best ${label.toLowerCase()}` : null },
            cell(vendor, metrics[index]),
            index === best ? el("span", { class: "visually-hidden", text: " (best)" }) : null,
          ),
        ),
      );
    }),
  );
}

function renderCharts(vendors, metrics) {
  const points = vendors
    .map((vendor, index) => ({ vendor, metric: metrics[index], color: COLORS[index % COLORS.length] }))
    .filter(({ metric }) => metric && metric.effective.perAcceptedLabel !== null);
  draw("chart-value", {
    type: "scatter",
    data: {
      datasets: points.map(({ vendor, metric, color }) => ({
        label: vendor.name,
        data: [{ x: metric.quality.benchmarkAccuracy ?? metric.quality.approvalRate, y: metric.effective.perAcceptedLabel }],
        backgroundColor: color,
        borderColor: color,
        pointRadius: 7,
        pointHoverRadius: 9,
        clip: false, // a vendor at 100% accuracy sits on the edge; draw all of its point
      })),
    },
    options: {
      interaction: { mode: "nearest", intersect: true },
      layout: { padding: { right: 12, top: 8 } },
      scales: {
        x: { ...percentAxis({ min: undefined, max: 1 }), title: { display: true, text: "Benchmark accuracy" } },
        y: { beginAtZero: true, title: { display: true, text: "Effective price" } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (context) =>
              `${context.dataset.label}: ${(context.parsed.x * 100).toFixed(1)}% accurate, ${context.parsed.y.toFixed(3)} per accepted label, review included`,
          },
        },
      },
    },
  });
  draw("chart-speed", {
    type: "bar",
    data: {
      labels: vendors.map((vendor) => vendor.name),
      datasets: [
        bar("Delivered", metrics.map((m) => m?.speed.labelsPerLabelerHour ?? null), COLORS[0]),
        bar("Trial", vendors.map((v) => v.trialResults?.labelsPerHour ?? null), COLORS[4]),
      ],
    },
    // Every vendor keeps its name under its bars: skipped labels put bars next to the wrong name.
    options: {
      scales: {
        x: { ticks: { autoSkip: false, maxRotation: 30 } },
        y: { beginAtZero: true, title: { display: true, text: "Labels per hour" } },
      },
    },
  });
}

async function metricsFor(vendor, from, projectId) {
  try {
    const data = await graphql(METRICS, { vendorId: vendor.id, projectId, from });
    const metric = expectType(data.operationsMetrics, "OperationsMetrics", `Metrics of ${vendor.name}`);
    return { ...metric, effective: expectType(data.effective, "VendorEffectivePrice", `Effective price of ${vendor.name}`) };
  } catch (error) {
    showError(error);
    return null; // one vendor's failure leaves the others on screen
  }
}

const FILTERS = {
  "vendor-data-type": (vendor, value) => vendor.dataTypes.includes(value),
  "vendor-certification": (vendor, value) => vendor.certifications.includes(value),
  "vendor-status": (vendor, value) => vendor.status === value,
  "vendor-project": (vendor, value) => vendor.projects.some((p) => p.id === value),
};

/** Offer each filter the values the vendors have, keeping the current choice; the address keeps the choice. */
function fillFilters(vendors) {
  const params = new URLSearchParams(window.location.search);
  const options = {
    "vendor-data-type": [...new Set(vendors.flatMap((v) => v.dataTypes))].sort().map((t) => [t, titleCase(t)]),
    "vendor-certification": [...new Set(vendors.flatMap((v) => v.certifications))].sort().map((c) => [c, NAMES[c] ?? titleCase(c)]),
    "vendor-status": [...new Set(vendors.map((v) => v.status))].sort().map((s) => [s, titleCase(s)]),
    "vendor-project": [...new Map(vendors.flatMap((v) => v.projects).map((p) => [p.id, p])).values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => [p.id, `${p.name} (${titleCase(p.dataType)})`]),
  };
  for (const [id, values] of Object.entries(options)) {
    const select = document.getElementById(id);
    const chosen = select.value || params.get(select.name) || "";
    select.replaceChildren(select.options[0], ...values.map(([value, label]) => el("option", { value, selected: value === chosen }, label)));
  }
}

function filtersToAddress() {
  const params = new URLSearchParams();
  for (const id of ["days", ...Object.keys(FILTERS)]) {
    const select = document.getElementById(id);
    if (select.value) params.set(select.name, select.value);
  }
  const query = params.toString();
  window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
}

let everyVendor = null;

async function load() {
  status("Loading vendors…");
  const days = document.getElementById("days").value;
  const from = days ? new Date(Date.now() - Number(days) * 86_400_000).toISOString() : null;
  everyVendor ??= await allVendors();
  fillFilters(everyVendor);
  const vendors = everyVendor.filter((vendor) =>
    Object.entries(FILTERS).every(([id, keep]) => {
      const value = document.getElementById(id).value;
      return !value || keep(vendor, value);
    }),
  );
  const projectSelect = document.getElementById("vendor-project");
  const projectId = projectSelect.value || null;
  status(`Loading what ${vendors.length} vendors delivered…`);
  const metrics = await Promise.all(vendors.map((vendor) => metricsFor(vendor, from, projectId)));
  renderTable(vendors, metrics);
  renderCharts(vendors, metrics);
  const window = days ? `in the last ${days} days` : "over all recorded work";
  const scope = projectId ? ` on ${projectSelect.selectedOptions[0].textContent}` : " on every project";
  status(
    `${vendors.length} of ${everyVendor.length} vendors; delivery figures ${window}${scope}. ` +
      `Best value in each row in bold (vendors with ${MIN_LABELS_TO_RANK}+ labels, never offboarded ones).`,
  );
}

document.getElementById("window-form").addEventListener("submit", (event) => {
  event.preventDefault();
  filtersToAddress();
  load().catch((error) => showError(error));
});

{
  const params = new URLSearchParams(window.location.search);
  if (params.get("days")) document.getElementById("days").value = params.get("days");
}

startPage(load);
