// A vendor's offer checked against the planner's scenario: ADD its pool to the current team or REPLACE the team
// (`offerMode`, asked explicitly), on the same demand; the answer is the chance of meeting the SLA with its
// interval, week by week against the required chance, the cost in the scenario's currency and the backlog left.

import { expectType, graphql, USER_ERROR } from "./api.js";
import { COLORS, draw, line, percentAxis, percentTooltip, reference } from "./charts.js";
import { checkedNumber, clearField, fieldError } from "./fields.js";
import { interval, money, number, percent } from "./format.js";
import { el, status } from "./shell.js";

const FEASIBILITY = `
  query ConsoleOffer($input: SlaFeasibilityInput!) {
    slaFeasibility(input: $input) {
      __typename
      ... on SlaFeasibility { feasible probability ciLow ciHigh requiredProbability replications firstFailingWeek
        weeklyProbability slaAttainment { mean ciLow ciHigh } totalCost { mean ciLow ciHigh }
        backlogEnd { mean ciLow ciHigh } }
      ${USER_ERROR}
    }
  }`;

const VENDORS = `query ConsoleOfferVendors { vendors(first: 100) { edges { node { id name status pricingModel rate currency } } } }`;

const $ = (id) => document.getElementById(id);

/** Fill the vendor picker; choosing one fills the offer's name and price. */
export async function loadOfferVendors() {
  const data = await graphql(VENDORS);
  const vendors = data.vendors.edges.map((e) => e.node).filter((v) => v.status !== "OFFBOARDED");
  const select = $("offer-vendor");
  select.replaceChildren(
    el("option", { value: "" }, "type the offer below"),
    ...vendors.map((v) => el("option", { value: v.id }, `${v.name} (${v.status.toLowerCase()})`)),
  );
  select.onchange = () => {
    const vendor = vendors.find((v) => v.id === select.value);
    if (!vendor) return;
    $("offer-name").value = vendor.name;
    const perLabel = vendor.pricingModel === "PER_LABEL";
    $("offer-price").value = perLabel ? String(vendor.rate) : "";
    $("offer-hourly").value = perLabel ? "" : String(vendor.rate);
  };
}

/** The offer from the form; every number within its limits, exactly one price. */
export function readOffer() {
  const hourly = $("offer-hourly");
  const price = $("offer-price");
  const offer = {
    name: $("offer-name").value.trim() || "offer",
    headcount: checkedNumber($("offer-headcount"), "People in production"),
    timeToHireDays: checkedNumber($("offer-hire"), "Time to hire"),
    trainingDays: checkedNumber($("offer-training"), "Training"),
    attritionPerWeek: checkedNumber($("offer-attrition"), "Attrition per week"),
    hoursPerDay: checkedNumber($("offer-hours"), "Hours per day"),
    speedFactor: checkedNumber($("offer-speed"), "Speed"),
  };
  clearField(price);
  const hasHourly = hourly.value !== "";
  const hasPrice = price.value !== "";
  if (hasHourly === hasPrice) {
    throw fieldError(hasHourly ? price : hourly, "Give either an hourly rate or a price per label (exactly one).");
  }
  if (hasHourly) offer.hourlyRate = checkedNumber(hourly, "Hourly rate");
  else offer.pricePerLabel = checkedNumber(price, "Price per label");
  return offer;
}

export async function checkOffer(document) {
  const offer = readOffer();
  const offerMode = window.document.querySelector('input[name="offer-mode"]:checked').value;
  const replications = checkedNumber($("offer-replications"), "Replications");
  const requiredProbability = checkedNumber($("offer-probability"), "Required chance");
  status(`Checking ${offer.name} (${offerMode === "ADD" ? "added to the team" : "replacing the team"}) over ${replications} replications…`);
  const data = await graphql(FEASIBILITY, {
    input: { base: { document }, offer, offerMode, replications, requiredProbability },
  });
  const result = expectType(data.slaFeasibility, "SlaFeasibility", "Offer");
  const currency = document.currency ?? "USD";
  const box = $("offer-result");
  box.hidden = false;
  box.replaceChildren(
    el("h3", { text: `${offer.name}, ${offerMode === "ADD" ? "added to the current team" : "replacing the current team"}` }),
    el(
      "p",
      { class: result.feasible ? "feasible" : "infeasible" },
      `${result.feasible ? "Meets" : "Does not meet"} the SLA: chance ${percent(result.probability)} ` +
        `(95% interval ${percent(result.ciLow)} – ${percent(result.ciHigh)}), required ${percent(result.requiredProbability)}` +
        (result.firstFailingWeek ? `; week ${result.firstFailingWeek} is the first below it.` : "."),
    ),
    el("p", { text: `SLA attainment: ${interval(result.slaAttainment.mean, result.slaAttainment.ciLow, result.slaAttainment.ciHigh, (v) => percent(v))}` }),
    el("p", { text: `Total cost: ${interval(result.totalCost.mean, result.totalCost.ciLow, result.totalCost.ciHigh, (v) => money(v, currency, 0))} (${currency})` }),
    el("p", { text: `Backlog at the end: ${interval(result.backlogEnd.mean, result.backlogEnd.ciLow, result.backlogEnd.ciHigh, (v) => `${number(v, 0)} tasks`)}` }),
    el("p", { class: "meta", text: `${result.replications} replications.` }),
  );
  const labels = result.weeklyProbability.map((_, i) => `Week ${i + 1}`);
  draw("chart-offer", {
    type: "line",
    data: {
      labels,
      datasets: [
        line("Chance of meeting the SLA", result.weeklyProbability, COLORS[0], { pointRadius: 3 }),
        reference(`Required ${percent(result.requiredProbability, 0)}`, result.requiredProbability, labels, COLORS[1]),
      ],
    },
    options: { scales: { y: percentAxis() }, plugins: { tooltip: { callbacks: { label: percentTooltip } } } },
  });
  status(`Checked ${offer.name}: ${result.feasible ? "meets" : "does not meet"} the SLA.`);
}
