// A project's delivery against its plan, for the dashboard: each milestone (target, done, where the straight line
// says it should be, ahead or behind by how much, and the forecast date) and each budget checkpoint (spent or
// projected against planned). Read from `deliveryStatus` as of the dashboard's own moment.

import { expectType, graphql, USER_ERROR } from "./api.js";
import { date, money, number } from "./format.js";
import { el } from "./shell.js";
import { cell, dataTable } from "./tables.js";

const DELIVERY = `
  query ConsoleDelivery($projectId: ID!, $asOf: DateTime) {
    deliveryStatus(projectId: $projectId, asOf: $asOf) {
      __typename
      ... on DeliveryProgress {
        totalTasks doneTasks expectedSecondsPerTask actualSecondsPerTask
        milestones { name dueAt targetTasks doneTasks plannedByNow tasksAhead status expectedDate latestDate daysEarly }
        budgetCheckpoints { at plannedSpend spent plannedByNow projectedSpend overBy status }
      }
      ${USER_ERROR}
    }
  }`;

// The health verdicts' colours: on track, at risk (behind but not lost), off track (missed or overspent).
const TONE = { MET: "on-track", AHEAD: "on-track", WITHIN: "on-track", ON_PLAN: "on-track", MISSED: "off-track", OVER: "off-track" };

function badge(status) {
  return el("span", { class: `verdict ${TONE[status] ?? "at-risk"}`, text: status.replaceAll("_", " ").toLowerCase() });
}

function signed(value, format) {
  if (value === null || value === undefined) return "–";
  return `${value > 0 ? "+" : ""}${format(value)}`;
}

function renderMilestones(milestones) {
  dataTable(
    document.getElementById("milestones-table"),
    milestones,
    [
      { label: "Milestone", value: (m) => m.name, cell: (m) => cell(m.name, { header: true }) },
      { label: "Due", value: (m) => Date.parse(m.dueAt), cell: (m) => cell(date(m.dueAt)) },
      { label: "Target", num: true, value: (m) => m.targetTasks, cell: (m) => cell(number(m.targetTasks), { num: true }) },
      { label: "Done", num: true, value: (m) => m.doneTasks, cell: (m) => cell(number(m.doneTasks), { num: true }) },
      {
        label: "Planned by now",
        num: true,
        title: "A straight line from the project's first task to the milestone's date",
        value: (m) => m.plannedByNow,
        cell: (m) => cell(number(m.plannedByNow), { num: true }),
      },
      {
        label: "Ahead (tasks)",
        num: true,
        value: (m) => m.tasksAhead,
        cell: (m) => cell(signed(m.tasksAhead, (v) => number(v)), { num: true }),
      },
      { label: "Forecast date", value: (m) => (m.expectedDate ? Date.parse(m.expectedDate) : null), cell: (m) => cell(date(m.expectedDate)) },
      {
        label: "Days early",
        num: true,
        title: "Due date minus the forecast date; negative is late",
        value: (m) => m.daysEarly,
        cell: (m) => cell(signed(m.daysEarly, (v) => number(v, 1)), { num: true }),
      },
      { label: "Status", value: (m) => m.status, cell: (m) => el("td", {}, badge(m.status)) },
    ],
    { sort: 1, empty: "The delivery plan has no milestones.", csv: "milestones" },
  );
}

function renderCheckpoints(checkpoints, currency) {
  const cash = (v) => money(v, currency, 2);
  dataTable(
    document.getElementById("checkpoints-table"),
    checkpoints,
    [
      { label: "By", value: (c) => Date.parse(c.at), cell: (c) => cell(date(c.at), { header: true }) },
      { label: "Planned", num: true, value: (c) => c.plannedSpend, cell: (c) => cell(cash(c.plannedSpend), { num: true }) },
      { label: "Spent", num: true, value: (c) => c.spent, cell: (c) => cell(cash(c.spent), { num: true }) },
      {
        label: "Projected",
        num: true,
        title: "For a checkpoint still ahead: spent plus the last 14 days' mean daily spend up to its date",
        value: (c) => c.projectedSpend,
        cell: (c) => cell(c.projectedSpend === null ? "–" : cash(c.projectedSpend), { num: true }),
      },
      { label: "Over by", num: true, value: (c) => c.overBy, cell: (c) => cell(signed(c.overBy, cash), { num: true }) },
      { label: "Status", value: (c) => c.status, cell: (c) => el("td", {}, badge(c.status)) },
    ],
    { sort: 0, empty: "The delivery plan has no budget checkpoints.", csv: "budget-checkpoints" },
  );
}

/** Fill the dashboard's delivery section for `projectId` as of `asOf`; says so when the project has no plan. */
export async function renderDelivery(projectId, asOf, currency) {
  const data = await graphql(DELIVERY, { projectId, asOf });
  const status = expectType(data.deliveryStatus, "DeliveryProgress", "Delivery plan");
  const summary = document.getElementById("delivery-summary");
  const planned = status.milestones.length || status.budgetCheckpoints.length || status.expectedSecondsPerTask !== null;
  document.getElementById("delivery-tables").hidden = !planned;
  if (!planned) {
    summary.textContent = "No delivery plan yet: set milestones and budget checkpoints with setDeliveryPlan.";
    return;
  }
  const pace =
    status.expectedSecondsPerTask === null
      ? ""
      : ` Time per completed task ${number(status.actualSecondsPerTask, 1)} s against ${number(status.expectedSecondsPerTask, 1)} s expected.`;
  summary.textContent = `${number(status.doneTasks)} of ${number(status.totalTasks)} tasks done as of ${date(asOf)}.${pace}`;
  renderMilestones(status.milestones);
  renderCheckpoints(status.budgetCheckpoints, currency);
}
