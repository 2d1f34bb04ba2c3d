// The console's GraphQL client: one POST per operation to /graphql, the stored API key as a bearer token,
// and every failure turned into an ApiError whose message a person can act on.

const KEY_STORAGE = "labelops.apiKey";

/** The API key saved in this browser, or "" when there is none. */
export function apiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return ""; // storage disabled (private mode with a strict policy): the key lives only in the form
  }
}

export function saveApiKey(key) {
  const trimmed = key.trim();
  if (trimmed) localStorage.setItem(KEY_STORAGE, trimmed);
  else localStorage.removeItem(KEY_STORAGE);
}

export function forgetApiKey() {
  localStorage.removeItem(KEY_STORAGE);
}

/** A failure to show to the user: `kind` is network, auth, limit, graphql or input; `field` names a bad input. */
export class ApiError extends Error {
  constructor(message, { kind = "graphql", field = null, detail = "" } = {}) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.field = field;
    this.detail = detail; // the server's own message, without the context this client adds
  }
}

export const NO_PROJECT = "This project does not exist (or this API key may not see it).";
export const NO_LABELER = "This labeler does not exist (or this API key may not see them).";

/**
 * Whether `id` can name a record of `type`: an id is base64 of "Type:key". An address holding anything else (a
 * typo, a vendor's id on a project page) is told apart before asking, so the page says the record does not exist
 * instead of echoing the server's parsing errors.
 */
export function isIdOf(type, id) {
  try {
    return atob(id ?? "").startsWith(`${type}:`);
  } catch {
    return false; // not base64 at all
  }
}

/** Fields every union result should ask for, so expected failures arrive as data with a readable message. */
export const USER_ERROR = "... on UserError { __typename message field }";

function describeErrors(errors) {
  return errors
    .map((error) => {
      const path = Array.isArray(error.path) && error.path.length ? ` (at ${error.path.join(".")})` : "";
      return `${error.message}${path}`;
    })
    .join("\n");
}

/** Run one GraphQL operation and return its `data`; throws ApiError on any error. */
export async function graphql(query, variables = {}, { signal } = {}) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }), signal });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError("The server could not be reached. Check that it is running, then try again.", {
      kind: "network",
    });
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const detail = body?.errors?.length ? describeErrors(body.errors) : "";
  if (response.status === 401) {
    const message = key
      ? `The server refused the stored API key (${detail || "unauthenticated"}): paste a valid one under “API key”, top right.`
      : "The server needs an API key: paste one under “API key”, top right.";
    throw new ApiError(message, { kind: "auth" });
  }
  if (response.status === 403) {
    throw new ApiError(`This API key may not do that: ${detail || "forbidden"}.`, { kind: "auth" });
  }
  if (response.status === 429) {
    const wait = response.headers.get("retry-after");
    throw new ApiError(`Too many requests: wait ${wait ? `${wait} s` : "a moment"} and try again.`, { kind: "limit" });
  }
  if (response.status === 504) {
    throw new ApiError(`The server gave up on a slow request: ${detail || "timeout"}. Try a smaller window.`, {
      kind: "limit",
    });
  }
  if (!body) {
    throw new ApiError(`The server answered ${response.status} ${response.statusText} without a readable body.`, {
      kind: "network",
    });
  }
  if (detail) throw new ApiError(`The server could not answer: ${detail}`, { kind: "graphql" });
  return body.data;
}

/**
 * A union result as the expected type, or an ApiError carrying the typed error's message and field.
 * `what` says what was asked, so the message reads "Calibration: <why>".
 */
export function expectType(result, typename, what) {
  if (result == null) throw new ApiError(`${what}: nothing came back.`, { kind: "graphql" });
  if (result.__typename === typename) return result;
  const field = result.field ? ` (${result.field})` : "";
  const message = result.message ?? `unexpected answer ${result.__typename}`;
  throw new ApiError(`${what}: ${message}${field}`, { kind: "input", field: result.field ?? null, detail: message });
}

/**
 * Fetch `GET /export/<table>.csv` with the stored key and return its file: { blob, filename }.
 * `params` are the table's query parameters (null values left out); a refusal throws an ApiError in plain words.
 */
export async function fetchExport(table, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== null && value !== undefined && value !== ""));
  const headers = {};
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(`/export/${table}.csv?${query}`, { headers });
  } catch {
    throw new ApiError("The server could not be reached for the download. Check that it is running, then try again.", {
      kind: "network",
    });
  }
  if (!response.ok) {
    let detail = "";
    try {
      detail = describeErrors((await response.json()).errors ?? []);
    } catch {
      detail = response.statusText;
    }
    throw new ApiError(`The download of ${table}.csv was refused (${response.status}): ${detail}`, {
      kind: response.status === 401 || response.status === 403 ? "auth" : "graphql",
    });
  }
  const disposition = response.headers.get("content-disposition") ?? "";
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${table}.csv`;
  return { blob: await response.blob(), filename };
}
