// A project's guidelines: every version (who published it, when, why, which issues it settles), the difference
// between any two (typed fields, instructions line by line, examples and mistakes), how labels made under each
// version fared with their intervals, and any version read in full.

import { ApiError, expectType, graphql, isIdOf, NO_PROJECT, USER_ERROR } from "./api.js";
import { date, interval, number, percent, seconds } from "./format.js";
import { busy, el, isolated, showError, startPage, status } from "./shell.js";
import { cell, dataTable } from "./tables.js";

const projectId = document.body.dataset.projectId;

const VERSIONS = `
  query ConsoleGuidelines($projectId: ID!) {
    project(id: $projectId) { id name }
    guidelineVersions(projectId: $projectId) {
      id number author createdAt changeNote instructions issueIds
      fields { name kind choices required categorical }
      examples { input answer explanation }
      commonMistakes { mistake correction }
    }
    guidelineImpact(projectId: $projectId) {
      __typename
      ... on GuidelineImpact {
        minLabels
        versions { number labels note secondsPerLabel { ...E } approval { ...E } rework { ...E }
          benchmarkAccuracy { ...E } agreement { ...E } }
        changes { fromNumber toNumber note secondsPerLabel { ...E } approval { ...E } rework { ...E }
          benchmarkAccuracy { ...E } }
      }
      ${USER_ERROR}
    }
  }
  fragment E on Estimate { value low high n }`;

const DIFF = `
  query ConsoleGuidelineDiff($projectId: ID!, $from: Int!, $to: Int!) {
    guidelineDiff(projectId: $projectId, fromNumber: $from, toNumber: $to) {
      fromNumber toNumber instructions examplesAdded examplesRemoved mistakesAdded mistakesRemoved
      fields { name change kindBefore kindAfter choicesAdded choicesRemoved }
    }
  }`;

function estimate(e, format) {
  return e ? interval(e.value, e.low, e.high, format) : "–";
}

function signedEstimate(e, format) {
  if (!e) return "–";
  const sign = (v) => `${v > 0 ? "+" : ""}${format(v)}`;
  return `${sign(e.value)} (${sign(e.low)} – ${sign(e.high)})`;
}

const share = (v) => percent(v, 1);
const points = (v) => `${(v * 100).toFixed(1)} pt`;

function renderVersions(versions, impact) {
  const labels = new Map((impact?.versions ?? []).map((v) => [v.number, v.labels]));
  dataTable(
    document.getElementById("versions-table"),
    versions,
    [
      { label: "Version", num: true, value: (v) => v.number, cell: (v) => cell(`v${v.number}`, { header: true }) },
      { label: "Published", value: (v) => Date.parse(v.createdAt), cell: (v) => cell(date(v.createdAt)) },
      { label: "Author", value: (v) => v.author, cell: (v) => cell(v.author) },
      { label: "Change note", value: (v) => v.changeNote, cell: (v) => cell(v.changeNote || "–") },
      { label: "Issues settled", num: true, value: (v) => v.issueIds.length, cell: (v) => cell(number(v.issueIds.length), { num: true }) },
      { label: "Labels made under it", num: true, value: (v) => labels.get(v.number) ?? null, cell: (v) => cell(number(labels.get(v.number)), { num: true }) },
    ],
    { sort: 0, descending: true, empty: "No guidelines published yet.", csv: "guideline-versions" },
  );
}

function renderImpact(impact) {
  if (!impact) return;
  document.getElementById("impact-summary").textContent =
    `Labels made under each version, with 95% intervals; a version with fewer than ${impact.minLabels} labels is noted, not compared.`;
  dataTable(
    document.getElementById("impact-table"),
    impact.versions,
    [
      { label: "Version", num: true, value: (v) => v.number, cell: (v) => cell(`v${v.number}`, { header: true }) },
      { label: "Labels", num: true, value: (v) => v.labels, cell: (v) => cell(number(v.labels), { num: true }) },
      { label: "Seconds per label", num: true, value: (v) => v.secondsPerLabel?.value, cell: (v) => cell(estimate(v.secondsPerLabel, seconds), { num: true }) },
      { label: "Approval", num: true, value: (v) => v.approval?.value, cell: (v) => cell(estimate(v.approval, share), { num: true }) },
      { label: "Rework", num: true, value: (v) => v.rework?.value, cell: (v) => cell(estimate(v.rework, share), { num: true }) },
      { label: "Benchmark accuracy", num: true, value: (v) => v.benchmarkAccuracy?.value, cell: (v) => cell(estimate(v.benchmarkAccuracy, share), { num: true }) },
      { label: "Agreement", num: true, value: (v) => v.agreement?.value, cell: (v) => cell(estimate(v.agreement, share), { num: true }) },
      { label: "Note", value: (v) => v.note ?? "", cell: (v) => cell(v.note ?? "") },
    ],
    { sort: 0, empty: "No labels recorded yet.", csv: "guideline-impact" },
  );
  dataTable(
    document.getElementById("changes-table"),
    impact.changes,
    [
      { label: "Change", value: (c) => c.toNumber, cell: (c) => cell(`v${c.fromNumber} → v${c.toNumber}`, { header: true }) },
      { label: "Seconds per label", num: true, value: (c) => c.secondsPerLabel?.value, cell: (c) => cell(signedEstimate(c.secondsPerLabel, (v) => number(v, 1)), { num: true }) },
      { label: "Approval", num: true, value: (c) => c.approval?.value, cell: (c) => cell(signedEstimate(c.approval, points), { num: true }) },
      { label: "Rework", num: true, value: (c) => c.rework?.value, cell: (c) => cell(signedEstimate(c.rework, points), { num: true }) },
      { label: "Benchmark accuracy", num: true, value: (c) => c.benchmarkAccuracy?.value, cell: (c) => cell(signedEstimate(c.benchmarkAccuracy, points), { num: true }) },
      { label: "Note", value: (c) => c.note ?? "", cell: (c) => cell(c.note ?? "") },
    ],
    { sort: 0, empty: "One version so far: nothing to compare.", csv: "guideline-changes" },
  );
}

function fillSelect(select, versions, chosen) {
  select.replaceChildren(...versions.map((v) => el("option", { value: v.number, selected: v.number === chosen }, `v${v.number} · ${date(v.createdAt)}`)));
}

async function showDiff(from, to) {
  const error = document.getElementById("diff-error");
  error.hidden = from !== to;
  error.textContent = from === to ? "Pick two different versions." : "";
  if (from === to) return;
  const data = await graphql(DIFF, { projectId, from, to });
  const diff = data.guidelineDiff;
  document.getElementById("diff-summary").textContent =
    `v${diff.fromNumber} → v${diff.toNumber}: ${diff.fields.length} field change(s); examples +${diff.examplesAdded} −${diff.examplesRemoved}; ` +
    `common mistakes +${diff.mistakesAdded} −${diff.mistakesRemoved}.`;
  dataTable(
    document.getElementById("diff-fields"),
    diff.fields,
    [
      { label: "Field", value: (f) => f.name, cell: (f) => cell(f.name, { header: true }) },
      { label: "Change", value: (f) => f.change, cell: (f) => cell(f.change.toLowerCase()) },
      { label: "Kind", value: (f) => f.kindAfter ?? f.kindBefore, cell: (f) => cell(f.kindBefore === f.kindAfter ? f.kindAfter ?? "–" : `${f.kindBefore ?? "–"} → ${f.kindAfter ?? "–"}`) },
      { label: "Choices added", value: (f) => f.choicesAdded.join(", "), cell: (f) => cell(f.choicesAdded.join(", ") || "–") },
      { label: "Choices removed", value: (f) => f.choicesRemoved.join(", "), cell: (f) => cell(f.choicesRemoved.join(", ") || "–") },
    ],
    { empty: "The typed fields did not change.", csv: "guideline-field-changes" },
  );
  const kind = { "+": "added", "-": "removed" };
  const lines = diff.instructions.map((line) => el("span", { class: kind[line[0]] ?? "same" }, line));
  document.getElementById("diff-lines").replaceChildren(...(lines.length ? lines : ["The instructions did not change."]));
}

function showVersion(version) {
  document.getElementById("version-h").textContent = `Version ${version.number}`;
  document.getElementById("version-meta").replaceChildren(
    `Published ${date(version.createdAt)} by `,
    isolated(version.author),
    ...(version.changeNote ? [" · ", isolated(version.changeNote)] : []),
  );
  document.getElementById("version-instructions").textContent = version.instructions || "No written instructions.";
  dataTable(
    document.getElementById("version-fields"),
    version.fields,
    [
      { label: "Field", value: (f) => f.name, cell: (f) => cell(f.name, { header: true }) },
      { label: "Kind", value: (f) => f.kind, cell: (f) => cell(f.kind) },
      { label: "Choices", value: (f) => f.choices.join(", "), cell: (f) => cell(f.choices.join(", ") || "–") },
      { label: "Required", value: (f) => (f.required ? 1 : 0), cell: (f) => cell(f.required ? "yes" : "no") },
      { label: "Compared for agreement", value: (f) => (f.categorical ? 1 : 0), cell: (f) => cell(f.categorical ? "yes" : "no") },
    ],
    { empty: "The ontology is untyped: answers are not checked against it.", csv: "guideline-fields" },
  );
  const examples = version.examples.map((x) =>
    el("li", {}, el("strong", { text: x.input }), ` → ${JSON.stringify(x.answer)}`, x.explanation ? el("p", { class: "meta", text: x.explanation }) : null),
  );
  document.getElementById("version-examples").replaceChildren(...(examples.length ? examples : [el("li", { class: "empty", text: "None." })]));
  const mistakes = version.commonMistakes.map((m) => el("li", {}, el("strong", { text: m.mistake }), ` — ${m.correction}`));
  document.getElementById("version-mistakes").replaceChildren(...(mistakes.length ? mistakes : [el("li", { class: "empty", text: "None." })]));
}

async function load() {
  if (!isIdOf("Project", projectId)) throw new ApiError(NO_PROJECT);
  const data = await graphql(VERSIONS, { projectId });
  if (!data.project) throw new ApiError(NO_PROJECT);
  const crumb = document.getElementById("project-crumb");
  crumb.textContent = data.project.name;
  crumb.href = `/console/projects/${encodeURIComponent(projectId)}`;
  document.title = `${data.project.name} guidelines · LabelOps console`;
  document.getElementById("guidelines-title").replaceChildren(isolated(data.project.name), ": guidelines");
  const versions = data.guidelineVersions; // newest first
  const impact = data.guidelineImpact.__typename === "GuidelineImpact" ? expectType(data.guidelineImpact, "GuidelineImpact", "Impact") : null;
  renderVersions(versions, impact);
  renderImpact(impact);
  if (!versions.length) {
    status("No guidelines published yet.");
    return;
  }
  const newest = versions[0].number;
  const previous = versions[1]?.number ?? newest;
  const from = document.getElementById("diff-from");
  const to = document.getElementById("diff-to");
  fillSelect(from, versions, previous);
  fillSelect(to, versions, newest);
  document.getElementById("diff-form").onsubmit = (event) => {
    event.preventDefault();
    const button = event.submitter ?? event.target.querySelector("button");
    busy(button, () => showDiff(Number(from.value), Number(to.value))).catch((error) => showError(error, "Compare"));
  };
  if (previous !== newest) await showDiff(previous, newest);
  else document.getElementById("diff-summary").textContent = "One version so far: nothing to compare.";
  const pick = document.getElementById("version-pick");
  fillSelect(pick, versions, newest);
  pick.onchange = () => showVersion(versions.find((v) => v.number === Number(pick.value)));
  showVersion(versions[0]);
  status(`${versions.length} version(s); the newest is v${newest}.`);
}

startPage(load);
