// A project's alert rules and the log of their webhooks, for the dashboard: each rule's condition, whether it is
// firing and since when, its last value; then the latest deliveries (the event, the receiver's last answer or
// the error, attempts, when the next retry is due). Read-only here: rules are managed over GraphQL
// (`createAlertRule`, `updateAlertRule`, `deleteAlertRule`); admins and the project's program managers see them.

import { graphql } from "./api.js";
import { date, number, titleCase } from "./format.js";
import { el } from "./shell.js";
import { cell, dataTable } from "./tables.js";

// The latest deliveries shown; the API pages on with `beforeId`.
const SHOWN_DELIVERIES = 20;

const ALERTS = `
  query ConsoleAlerts($projectId: ID!, $limit: Int!) {
    alertRules(projectId: $projectId) {
      id name kind threshold windowDays enabled state lastValue lastEvaluatedAt stateChangedAt
    }
    alertDeliveries(projectId: $projectId, limit: $limit) {
      id ruleId status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt
      event { state summary occurredAt }
    }
  }`;

// A delivery's tone: delivered is fine, pending is waiting on a retry, failed gave up.
const DELIVERY_TONE = { DELIVERED: "on-track", PENDING: "at-risk", FAILED: "off-track" };

/** Day and time in UTC, to the minute: alerts are read by the minute, not the day. */
function moment(value) {
  if (!value) return "–";
  return `${date(value)} ${new Date(value).toISOString().slice(11, 16)} UTC`;
}

function ruleState(rule) {
  if (!rule.enabled) return el("span", { class: "verdict no-data", text: "disabled" });
  const firing = rule.state === "FIRING";
  return el("span", { class: `verdict ${firing ? "off-track" : "on-track"}`, text: firing ? "firing" : "ok" });
}

function renderRules(rules) {
  dataTable(
    document.getElementById("alert-rules-table"),
    rules,
    [
      { label: "Rule", value: (r) => r.name, cell: (r) => cell(r.name, { header: true }) },
      { label: "Condition", value: (r) => r.kind, cell: (r) => cell(titleCase(r.kind)) },
      { label: "Threshold", num: true, value: (r) => r.threshold, cell: (r) => cell(number(r.threshold, 2), { num: true }) },
      { label: "Window (days)", num: true, value: (r) => r.windowDays, cell: (r) => cell(number(r.windowDays), { num: true }) },
      { label: "State", value: (r) => (r.enabled ? r.state : "DISABLED"), cell: (r) => el("td", {}, ruleState(r)) },
      { label: "Last value", num: true, value: (r) => r.lastValue, cell: (r) => cell(number(r.lastValue, 2), { num: true }) },
      { label: "Since", value: (r) => Date.parse(r.stateChangedAt ?? ""), cell: (r) => cell(moment(r.stateChangedAt)) },
      { label: "Last evaluated", value: (r) => Date.parse(r.lastEvaluatedAt ?? ""), cell: (r) => cell(moment(r.lastEvaluatedAt)) },
    ],
    { sort: 0, empty: "No alert rules on this project (or this API key may not see them).", csv: "alert-rules" },
  );
}

/** The receiver's last answer: its HTTP status, or why no answer came. */
function lastAnswer(delivery) {
  if (delivery.lastStatusCode !== null) return `HTTP ${delivery.lastStatusCode}`;
  return delivery.lastError ?? "–";
}

function renderDeliveries(deliveries, ruleNames) {
  dataTable(
    document.getElementById("alert-deliveries-table"),
    deliveries,
    [
      { label: "Event at", value: (d) => Date.parse(d.event.occurredAt), cell: (d) => cell(moment(d.event.occurredAt), { header: true }) },
      { label: "Rule", value: (d) => ruleNames.get(d.ruleId) ?? "", cell: (d) => cell(ruleNames.get(d.ruleId) ?? "–") },
      { label: "Event", value: (d) => d.event.summary, cell: (d) => cell(`${titleCase(d.event.state)}: ${d.event.summary}`) },
      {
        label: "Delivery",
        value: (d) => d.status,
        cell: (d) => el("td", {}, el("span", { class: `verdict ${DELIVERY_TONE[d.status] ?? "unknown"}`, text: d.status.toLowerCase() })),
      },
      { label: "Attempts", num: true, value: (d) => d.attempts, cell: (d) => cell(number(d.attempts), { num: true }) },
      { label: "Last answer", value: (d) => lastAnswer(d), cell: (d) => cell(lastAnswer(d)) },
      {
        label: "Delivered or next try",
        title: "When it was delivered, or when the next attempt is due while it is pending",
        value: (d) => Date.parse(d.deliveredAt ?? d.nextAttemptAt ?? ""),
        cell: (d) => cell(d.deliveredAt ? moment(d.deliveredAt) : d.status === "PENDING" ? `next ${moment(d.nextAttemptAt)}` : "–"),
      },
    ],
    { sort: 0, descending: true, empty: "No webhook deliveries yet.", csv: "alert-deliveries" },
  );
}

/** Fill the dashboard's alerts section for `projectId`. */
export async function renderAlerts(projectId) {
  const data = await graphql(ALERTS, { projectId, limit: SHOWN_DELIVERIES });
  const rules = data.alertRules;
  const firing = rules.filter((rule) => rule.enabled && rule.state === "FIRING").length;
  const failed = data.alertDeliveries.filter((delivery) => delivery.status === "FAILED").length;
  const parts = [`${number(rules.length)} alert rule${rules.length === 1 ? "" : "s"}, ${number(firing)} firing`];
  if (failed) parts.push(`${number(failed)} of the latest deliveries failed`);
  document.getElementById("alerts-summary").textContent = `${parts.join("; ")}.`;
  renderRules(rules);
  renderDeliveries(data.alertDeliveries, new Map(rules.map((rule) => [rule.id, rule.name])));
}
