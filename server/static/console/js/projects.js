// The console's home: every project with its SLA, budget and deadline, each linking to its dashboard.

import { graphql } from "./api.js";
import { date, money, percent, titleCase } from "./format.js";
import { el, startPage, status } from "./shell.js";

const PROJECTS = `
  query ConsoleProjects($after: String) {
    projects(first: 100, after: $after, orderBy: { field: NAME }) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name status dataType budget currency deadline
        sla { turnaroundHours targetShare } vendors { id name } } }
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

async function load() {
  status("Loading projects…");
  const projects = await allProjects();
  const body = document.querySelector("#projects-table tbody");
  body.replaceChildren(
    ...projects.map((project) =>
      el(
        "tr",
        {},
        el("th", { scope: "row" }, el("a", { href: `/console/projects/${encodeURIComponent(project.id)}` }, project.name)),
        el("td", { text: titleCase(project.status) }),
        el("td", { text: titleCase(project.dataType) }),
        el("td", { text: `${percent(project.sla.targetShare, 0)} within ${project.sla.turnaroundHours} h` }),
        el("td", { class: "num", text: project.budget === null ? "no budget" : money(project.budget, project.currency, 0) }),
        el("td", { text: date(project.deadline) }),
        el("td", {}, project.vendors.map((vendor) => el("span", { class: "tag", text: vendor.name }))),
      ),
    ),
  );
  if (!projects.length) body.append(el("tr", {}, el("td", { colspan: 7, class: "empty" }, "No projects yet.")));
  status(`${projects.length} project${projects.length === 1 ? "" : "s"}. Open one for its dashboard.`);
}

startPage(load);
