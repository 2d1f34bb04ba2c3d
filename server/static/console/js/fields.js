// Number inputs read with their limits enforced: a value outside min/max (or not a whole number where the step
// is 1) is refused beside the input at fault, which is marked, scrolled into view and focused. An input in a
// table cell names a note under its table (`data-note`): a sentence squeezed into a narrow cell is unreadable.

import { ApiError } from "./api.js";
import { el } from "./shell.js";

function noteId(input) {
  return input.dataset.note ?? `${input.id}-error`;
}

function noteFor(input) {
  const id = noteId(input);
  let note = document.getElementById(id);
  if (!note) {
    note = el("p", { id, class: "field-error", role: "alert", hidden: true, "data-checked": "1" });
    input.insertAdjacentElement("afterend", note);
  }
  const described = (input.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
  if (!described.includes(id)) input.setAttribute("aria-describedby", [...described, id].join(" "));
  return note;
}

/** Clear the note beside `input`. */
export function clearField(input) {
  input.removeAttribute("aria-invalid");
  const note = document.getElementById(noteId(input));
  if (note) {
    note.hidden = true;
    note.textContent = "";
  }
}

/** Say `message` beside `input` and bring it into view; returns an ApiError to throw. */
export function fieldError(input, message) {
  const note = noteFor(input);
  note.textContent = message;
  note.hidden = false;
  input.setAttribute("aria-invalid", "true");
  input.scrollIntoView({ block: "center" });
  input.focus();
  return new ApiError(message, { kind: "input", field: input.id, detail: message });
}

/**
 * What the input holds, for a message. A browser hands out "" both for an empty number input and for one holding
 * text it cannot read as a number ("0,9", "1e999"): only the second is "bad input", and is not called "nothing".
 */
function shownValue(input) {
  if (input.validity?.badInput) return "text that is not a number (write digits, with a point for decimals)";
  return input.value === "" ? "nothing" : `“${input.value}”`;
}

/** The input's number when it holds one, or a thrown ApiError shown beside it; limits are left to the server. */
export function presentNumber(input, label) {
  clearField(input);
  const value = input.valueAsNumber;
  if (Number.isNaN(value)) throw fieldError(input, `${label} must be a number, got ${shownValue(input)}.`);
  return value;
}

/** The input's number within its min, max and whole-number step, or a thrown ApiError shown beside it. */
export function checkedNumber(input, label) {
  clearField(input);
  const value = input.valueAsNumber;
  const min = input.min === "" ? null : Number(input.min);
  const max = input.max === "" ? null : Number(input.max);
  const whole = input.step === "1" || input.step === "";
  const shown = shownValue(input);
  if (Number.isNaN(value)) throw fieldError(input, `${label} must be a number, got ${shown}.`);
  if (whole && !Number.isInteger(value)) throw fieldError(input, `${label} must be a whole number, got ${shown}.`);
  if (min !== null && value < min) throw fieldError(input, `${label} must be at least ${min}, got ${shown}.`);
  if (max !== null && value > max) throw fieldError(input, `${label} must be at most ${max}, got ${shown}.`);
  return value;
}

// Editing a refused value takes its note away: the note speaks of the value that was refused.
document.addEventListener("input", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && document.getElementById(noteId(input))?.dataset.checked === "1") {
    clearField(input);
  }
});
