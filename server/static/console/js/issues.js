// Issue threads, readable and answerable where they are shown: each issue with its thread, a reply box, and a
// button to resolve it (saying how) or reopen it. A refused action is said beside the form that sent it.

import { expectType, graphql, USER_ERROR } from "./api.js";
import { date, titleCase } from "./format.js";
import { busy, el, isolated } from "./shell.js";

/** What `renderIssueThreads` needs of an issue. */
export const ISSUE_FIELDS = `id title status resolution createdAt project { name } raisedBy { id name }
  task { externalId } comments { id body createdAt author { name } }`;

const COMMENT = `
  mutation ConsoleComment($input: CommentOnIssueInput!) {
    commentOnIssue(input: $input) { __typename ... on CommentPayload { comment { id } } ${USER_ERROR} }
  }`;

const RESOLVE = `
  mutation ConsoleResolveIssue($input: ResolveIssueInput!) {
    resolveIssue(input: $input) { __typename ... on IssuePayload { issue { id status } } ${USER_ERROR} }
  }`;

const REOPEN = `
  mutation ConsoleReopenIssue($id: ID!) {
    reopenIssue(issueId: $id) { __typename ... on IssuePayload { issue { id status } } ${USER_ERROR} }
  }`;

function say(note, message) {
  note.textContent = message;
  note.hidden = !message;
  if (message) note.scrollIntoView({ block: "nearest" });
}

/** Send one mutation from `button`, then `reload()`; a failure is said in `note`, beside the control. */
function act(button, note, reload, send) {
  busy(button, async () => {
    try {
      await send();
      say(note, "");
      await reload();
    } catch (error) {
      say(note, error.message);
    }
  });
}

function replyForm(issue, note, reload) {
  const textId = `reply-${issue.id}`;
  const input = el("textarea", { id: textId, rows: 2, "aria-describedby": `${textId}-error` });
  note.id = `${textId}-error`;
  const button = el("button", { type: "submit" }, "Send reply");
  const form = el("form", { class: "reply" }, el("label", { for: textId, text: `Reply to “${issue.title}”` }), input, note, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) {
      input.setAttribute("aria-invalid", "true");
      say(note, "Write a reply first.");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    act(button, note, reload, async () => {
      const data = await graphql(COMMENT, { input: { issueId: issue.id, body } });
      expectType(data.commentOnIssue, "CommentPayload", "Reply");
    });
  });
  return form;
}

/** Resolve (with an optional resolution) when open, reopen when resolved. */
function statusControls(issue, note, reload) {
  if (issue.status === "OPEN") {
    const id = `resolution-${issue.id}`;
    const resolution = el("input", { id, type: "text", placeholder: "how it was settled (optional)" });
    const button = el("button", { type: "button", class: "secondary" }, "Resolve");
    button.setAttribute("aria-label", `Resolve “${issue.title}”`);
    button.addEventListener("click", () =>
      act(button, note, reload, async () => {
        const data = await graphql(RESOLVE, { input: { issueId: issue.id, resolution: resolution.value } });
        expectType(data.resolveIssue, "IssuePayload", "Resolving the issue");
      }),
    );
    return el("div", { class: "issue-actions" }, el("label", { for: id, text: "Resolution" }), resolution, button);
  }
  const button = el("button", { type: "button", class: "secondary" }, "Reopen");
  button.setAttribute("aria-label", `Reopen “${issue.title}”`);
  button.addEventListener("click", () =>
    act(button, note, reload, async () => {
      expectType((await graphql(REOPEN, { id: issue.id })).reopenIssue, "IssuePayload", "Reopening the issue");
    }),
  );
  return el("div", { class: "issue-actions" }, button);
}

/** Where the issue comes from and how it ended, as pieces for `el`: names, ids and the resolution isolated. */
function context(issue, { withProject, withRaiser }) {
  const parts = [];
  if (withProject) parts.push([isolated(issue.project.name)]);
  if (withRaiser) parts.push(issue.raisedBy ? ["raised by ", isolated(issue.raisedBy.name)] : ["raised outside the workforce"]);
  else parts.push(["raised"]);
  parts[parts.length - 1].push(` on ${date(issue.createdAt)}`);
  if (issue.task) parts.push(["task ", isolated(issue.task.externalId)]);
  if (issue.resolution) parts.push(["resolved: ", isolated(issue.resolution)]);
  return parts.flatMap((part, i) => (i ? [" · ", ...part] : part));
}

/**
 * Show `issues` (fetched with ISSUE_FIELDS) in `box`, each with its thread and controls; after any change
 * `reload()` fetches them again. options: { empty: text when there are none, withProject, withRaiser }.
 */
export function renderIssueThreads(box, issues, reload, options = {}) {
  // A reload after a reply keeps open the threads that were open.
  const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.dataset.issue));
  if (!issues.length) {
    box.replaceChildren(el("p", { class: "empty", text: options.empty ?? "No issues." }));
    return;
  }
  box.replaceChildren(
    ...issues.map((issue) => {
      const note = el("p", { class: "field-error", role: "alert", hidden: true });
      const thread = issue.comments.length
        ? el(
            "ol",
            { class: "thread" },
            issue.comments.map((c) =>
              el("li", {}, el("strong", { text: c.author?.name ?? "Outside the workforce" }), ` · ${date(c.createdAt)}`, el("p", { text: c.body })),
            ),
          )
        : el("p", { class: "empty", text: "No messages yet." });
      const messages = issue.comments.length === 1 ? "1 message" : `${issue.comments.length} messages`;
      return el(
        "details",
        { class: "issue", "data-issue": issue.id, open: open.has(issue.id) },
        el(
          "summary",
          {},
          el("h3", {}, isolated(issue.title), " ", el("span", { class: "tag", text: titleCase(issue.status) })),
          el("span", { class: "meta" }, context(issue, options), ` · ${messages}`),
        ),
        thread,
        replyForm(issue, note, reload),
        statusControls(issue, note, reload),
      );
    }),
  );
}
