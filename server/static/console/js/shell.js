// What every console page shares: the API key panel, the error banner, the status line and small DOM helpers.

import { ApiError, apiKey, forgetApiKey, graphql, saveApiKey } from "./api.js";

/** Create an element: el("td", { class: "num" }, "12"); children may be strings, nodes or arrays of them. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A name or note from users or imports inside a line of other words: isolated (`<bdi>`), so right-to-left text or
 * a stray direction override in it cannot reorder the words and names around it.
 */
export function isolated(text) {
  return el("bdi", {}, text);
}

/** Names as isolated pieces between ", " (children for `el` or `replaceChildren`); `empty` when there are none. */
export function isolatedList(names, empty = "none") {
  return names.length ? names.flatMap((name, i) => (i ? [", ", isolated(name)] : [isolated(name)])) : [empty];
}

export function status(text) {
  const line = document.getElementById("status");
  if (line) line.textContent = text;
}

/** Show an error in the banner, in plain words; an authentication error also opens the key panel. */
export function showError(error, context = "") {
  const banner = document.getElementById("errors");
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  const text = context ? `${context}: ${message}` : message;
  // The same message twice in a row would only push useful ones away.
  if ([...banner.querySelectorAll(".error p")].some((p) => p.textContent === text)) return;
  const item = el(
    "div",
    { class: "error" },
    el("p", { text }),
    el("button", { type: "button", onclick: () => dismiss(item) }, "Dismiss"),
  );
  banner.append(item);
  banner.hidden = false;
  if (error instanceof ApiError && error.kind === "auth") openKeyPanel();
  if (!(error instanceof ApiError)) console.error(error);
}

function dismiss(item) {
  const banner = document.getElementById("errors");
  item.remove();
  banner.hidden = !banner.children.length;
}

export function clearErrors() {
  const banner = document.getElementById("errors");
  banner.replaceChildren();
  banner.hidden = true;
}

function openKeyPanel() {
  const panel = document.getElementById("key-panel");
  panel.open = true;
  document.getElementById("api-key").focus();
}

async function describeViewer() {
  const state = document.getElementById("key-state");
  if (!apiKey()) {
    state.textContent = "not set";
    return;
  }
  try {
    const data = await graphql("query ConsoleViewer { viewer { role user { email } } }");
    const viewer = data.viewer;
    state.textContent = viewer.user ? `${viewer.user.email} (${viewer.role})` : "set";
  } catch (error) {
    state.textContent = error instanceof ApiError && error.kind === "auth" ? "refused" : "set";
  }
}

/**
 * Start a page: wire the key panel, then run `load` (again whenever the key changes). `load` gets no
 * arguments; errors it throws land in the banner.
 */
export function startPage(load) {
  const form = document.getElementById("key-form");
  const input = document.getElementById("api-key");
  const panel = document.getElementById("key-panel");
  input.value = apiKey();
  const run = async () => {
    clearErrors();
    describeViewer();
    try {
      await load();
    } catch (error) {
      status("");
      showError(error);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveApiKey(input.value);
    panel.open = false;
    panel.querySelector("summary").focus();
    run();
  });
  document.getElementById("key-forget").addEventListener("click", () => {
    forgetApiKey();
    input.value = "";
    describeViewer();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel.open) {
      panel.open = false;
      panel.querySelector("summary").focus();
    }
  });
  run();
}

/** A row of key figures: items are { label, value, note?, tone? } with tone "good" or "bad". */
export function renderKpis(list, items) {
  list.replaceChildren(
    ...items.map((item) =>
      el(
        "div",
        { class: `kpi${item.tone ? ` ${item.tone}` : ""}`, "data-kpi": item.id ?? null },
        el("dt", { text: item.label }),
        el("dd", {}, item.value, item.note ? el("small", { text: item.note }) : null),
      ),
    ),
  );
}

/** Mark a button busy while `work` runs, so a second click cannot start the same thing twice. */
export async function busy(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}
