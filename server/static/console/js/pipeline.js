// The hiring pipeline of a project: who is in which onboarding stage since when, by vendor, with head counts per
// vendor and stage. Built from the project's members and their stage history (one request, paged by 100).

import { graphql } from "./api.js";
import { date, number, titleCase } from "./format.js";
import { el } from "./shell.js";
import { addCsvButton, cell, dataTable } from "./tables.js";

const DAY_MS = 86_400_000;
export const STAGES = ["HIRING", "PLATFORM_TRAINING", "PROJECT_TRAINING", "TESTING", "PRODUCTION", "OFFBOARDED"];

const MEMBERS = `
  query ConsolePipeline($projectId: ID!, $after: String) {
    node(id: $projectId) { ... on Project { labelers(first: 100, after: $after, includeArchived: false) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name stage vendor { name } stageHistory { stage enteredAt } } } } } }
  }`;

async function members(projectId) {
  const people = [];
  let after = null;
  do {
    const data = await graphql(MEMBERS, { projectId, after });
    const page = data.node?.labelers;
    if (!page) break;
    people.push(...page.edges.map((e) => e.node));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return people.map((person) => {
    const entered = [...person.stageHistory].reverse().find((e) => e.stage === person.stage)?.enteredAt ?? null;
    return { ...person, since: entered, days: entered ? (Date.now() - Date.parse(entered)) / DAY_MS : null };
  });
}

/** Head counts per vendor and stage, then every person; `link(id)` is where a name leads. */
export async function renderPipeline(projectId, link) {
  const people = await members(projectId);
  const vendors = [...new Set(people.map((p) => p.vendor.name))].sort();
  const counts = document.getElementById("pipeline-counts");
  counts.replaceChildren(
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Vendor" }), STAGES.map((s) => el("th", { scope: "col", class: "num", text: titleCase(s) })))),
    el(
      "tbody",
      {},
      vendors.map((vendor) =>
        el(
          "tr",
          {},
          el("th", { scope: "row", text: vendor }),
          STAGES.map((stage) => cell(number(people.filter((p) => p.vendor.name === vendor && p.stage === stage).length), { num: true })),
        ),
      ),
    ),
  );
  addCsvButton(counts, "head-counts-by-stage");
  const inPipeline = people.filter((p) => p.stage !== "PRODUCTION" && p.stage !== "OFFBOARDED");
  dataTable(
    document.getElementById("pipeline-table"),
    inPipeline,
    [
      { label: "Labeler", value: (p) => p.name, cell: (p) => el("th", { scope: "row" }, el("a", { href: link(p.id) }, p.name)) },
      { label: "Vendor", value: (p) => p.vendor.name, cell: (p) => cell(p.vendor.name) },
      { label: "Stage", value: (p) => STAGES.indexOf(p.stage), cell: (p) => cell(titleCase(p.stage)) },
      { label: "Since", value: (p) => (p.since ? Date.parse(p.since) : null), cell: (p) => cell(date(p.since)) },
      { label: "Days in stage", num: true, value: (p) => p.days, cell: (p) => cell(number(p.days, 0), { num: true }) },
    ],
    {
      filter: document.getElementById("pipeline-filter"),
      text: (p) => `${p.name} ${p.vendor.name} ${titleCase(p.stage)}`,
      sort: 4,
      descending: true, // the longest waits first
      empty: "Nobody is in hiring, training or testing for this project.",
      csv: "hiring-pipeline",
    },
  );
  return people;
}
