// The console's home: every project with its health verdict (and why), SLA, budget and deadline, each linking
// to its dashboard; the table sorts by any column and filters by what it shows.

import { graphql } from "./api.js";
import { date, money, percent, titleCase } from "./format.js";
import { HEALTH_FIELDS, verdictBadge, verdictLabel, verdictRank } from "./health.js";
import { el, startPage, status } from "./shell.js";
import { cell, dataTable } from "./tables.js";

const PROJECTS = `
  query ConsoleProjects($after: String) {
    projects(first: 100, after: $after, orderBy: { field: NAME }) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name status dataType budget currency deadline
        sla { turnaroundHours targetShare } vendors { id name } health { ${HEALTH_FIELDS} } } }
    }
  }`;

async function allProjects() {
  const projects = [];
  let after = null;
  do {
    const data = await graphql(PROJECTS, { after });
    projects.push(...data.projects.edges.map((edge) => edge.node));
    after = data.projects.pageInfo.hasNextPage ? data.projects.pageInfo.endCursor : null;
  } while (after);
  return projects;
}

const COLUMNS = [
  {
    label: "Project",
    value: (p) => p.name,
    cell: (p) => el("th", { scope: "row" }, el("a", { href: `/console/projects/${encodeURIComponent(p.id)}` }, p.name)),
  },
  {
    label: "Health",
    title: "Worst of SLA, forecast with incoming tasks, budget and quality",
    value: (p) => verdictRank(p.health?.verdict),
    cell: (p) => el("td", { class: "health" }, verdictBadge(p.health), el("small", { class: "reason", text: p.health?.summary ?? "" })),
  },
  { label: "Status", value: (p) => p.status, cell: (p) => cell(titleCase(p.status)) },
  { label: "Data", value: (p) => p.dataType, cell: (p) => cell(titleCase(p.dataType)) },
  {
    label: "SLA",
    value: (p) => p.sla.targetShare,
    cell: (p) => cell(`${percent(p.sla.targetShare, 0)} within ${p.sla.turnaroundHours} h`),
  },
  {
    label: "Budget",
    num: true,
    value: (p) => p.budget,
    cell: (p) => cell(p.budget === null ? "no budget" : money(p.budget, p.currency, 0), { num: true }),
  },
  { label: "Deadline", value: (p) => (p.deadline ? Date.parse(p.deadline) : null), cell: (p) => cell(date(p.deadline)) },
  {
    label: "Vendors",
    value: (p) => p.vendors.map((v) => v.name).join(", "),
    cell: (p) => el("td", {}, p.vendors.map((vendor) => el("span", { class: "tag", text: vendor.name }))),
  },
];

let table = null;

async function load() {
  status("Loading projects…");
  const projects = await allProjects();
  const options = {
    filter: document.getElementById("projects-filter"),
    caption: document.getElementById("projects-count"),
    text: (p) =>
      [p.name, p.status, p.dataType, verdictLabel(p.health?.verdict), p.health?.summary ?? "", ...p.vendors.map((v) => v.name)].join(" "),
    sort: 1,
    descending: true, // the projects that need attention first
    empty: "No projects yet.",
    csv: "projects",
  };
  if (table) table.update(projects);
  else table = dataTable(document.getElementById("projects-table"), projects, COLUMNS, options);
  const attention = projects.filter((p) => ["AT_RISK", "OFF_TRACK"].includes(p.health?.verdict)).length;
  status(
    `${projects.length} project${projects.length === 1 ? "" : "s"}, ${attention} needing attention. Open one for its dashboard.`,
  );
}

startPage(load);
