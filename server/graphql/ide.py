"""The GraphiQL page as LabelOps serves it: Strawberry's page with a fetcher that knows about API keys.

Strawberry's page builds one fetcher when it loads, so a key pasted into the Headers tab afterwards never reaches
the schema request (Docs keep saying "Error fetching schema" until a manual refetch), and a page opened without a
key shows the server's 401 where results go. Here the fetcher is rebuilt whenever the Authorization header
changes (GraphiQL refetches the schema for a new fetcher), starts from the key the console stored in this browser,
and without any key answers with a hint instead of asking the server. The page's inline script changes, so its
hash in the content security policy is computed from the final page (`http.ide_security_headers`).
"""

from __future__ import annotations

import json

__all__ = ["IDE_HINT", "customize_ide"]

IDE_HINT = (
    "No API key yet. Open the Headers tab below and paste "
    '{"Authorization": "Bearer lo_..."}; the schema and Docs load as soon as the key is in. '
    "A key saved in the console (top right of /console) is used automatically."
)

_EXAMPLE = """# LabelOps GraphQL API
#
# Every request needs an API key: put it in the Headers tab below as
#   {"Authorization": "Bearer lo_..."}
# (a key saved in the console at /console is filled in for you).
# "labelops serve --demo" prints a demo admin key.
#
# Run with Ctrl-Enter. An example:
query Projects {
  projects(first: 10) {
    edges { node { name status health { verdict summary } } }
  }
}
"""

_FETCHER_BEFORE = """      const fetcher = GraphiQL.createFetcher({
        url: fetchURL,
        headers: defaultHeaders,
        subscriptionUrl,
      });
"""

_FETCHER_AFTER = """      const CONSOLE_KEY = "labelops.apiKey";
      const KEY_HINT = %(hint)s;

      function storedConsoleKey() {
        try {
          return localStorage.getItem(CONSOLE_KEY) || "";
        } catch (error) {
          return "";
        }
      }

      // The Authorization value in the Headers tab's JSON, or "" when there is none (or the JSON is unfinished).
      function authorizationOf(text) {
        try {
          const parsed = JSON.parse(text || "{}");
          for (const name of Object.keys(parsed || {})) {
            if (name.toLowerCase() === "authorization") return String(parsed[name] || "");
          }
        } catch (error) {
          return null; // still being typed: keep the current fetcher
        }
        return "";
      }

      function makeFetcher(authorization) {
        const headers = Object.assign({}, defaultHeaders);
        if (authorization) headers.Authorization = authorization;
        const base = GraphiQL.createFetcher({ url: fetchURL, headers, subscriptionUrl });
        return function (params, options) {
          const given = (options && options.headers) || {};
          const named = Object.keys(given).some((name) => name.toLowerCase() === "authorization");
          if (!authorization && !named) return Promise.resolve({ errors: [{ message: KEY_HINT }] });
          return base(params, options);
        };
      }

      function initialHeaders() {
        if (parameters.headers) return parameters.headers;
        let persisted = null;
        try {
          persisted = localStorage.getItem("graphiql:headers");
        } catch (error) {
          persisted = null;
        }
        if (persisted && authorizationOf(persisted)) return undefined; // GraphiQL restores its own
        const key = storedConsoleKey();
        return key ? JSON.stringify({ Authorization: "Bearer " + key }, null, 2) : undefined;
      }

      function startingAuthorization(headers) {
        let text = headers;
        if (text === undefined) {
          try {
            text = localStorage.getItem("graphiql:headers") || "";
          } catch (error) {
            text = "";
          }
        }
        return authorizationOf(text) || "";
      }
"""

_STATE_BEFORE = """        const [headers, setHeaders] = React.useState(parameters.headers);
"""
_STATE_AFTER = """        const [headers, setHeaders] = React.useState(initialHeaders);
        const [authorization, setAuthorization] = React.useState(() => startingAuthorization(headers));
        // A new fetcher makes GraphiQL fetch the schema again, with the new key.
        const fetcher = React.useMemo(() => makeFetcher(authorization), [authorization]);
"""

_HEADERS_BEFORE = """        function onEditHeaders(newHeaders) {
          setHeaders(newHeaders);
        }
"""
_HEADERS_AFTER = """        // Each keystroke of a key is valid JSON once the editor closes the quotes: wait for a
        // pause, so the schema is asked for once with the whole key, not once per character.
        const pending = React.useRef(null);
        function onEditHeaders(newHeaders) {
          setHeaders(newHeaders);
          clearTimeout(pending.current);
          pending.current = setTimeout(() => {
            const next = authorizationOf(newHeaders);
            if (next !== null) setAuthorization(next);
          }, 700);
        }
"""


def customize_ide(html: str) -> str:
    """Strawberry's GraphiQL page with the key-aware fetcher and a LabelOps example; raises when the page no longer
    has the pieces replaced (a Strawberry upgrade must be looked at, not silently served half-changed)."""
    replacements = (
        (_FETCHER_BEFORE, _FETCHER_AFTER % {"hint": json.dumps(IDE_HINT)}),
        (_STATE_BEFORE, _STATE_AFTER),
        (_HEADERS_BEFORE, _HEADERS_AFTER),
    )
    for before, after in replacements:
        if html.count(before) != 1:
            raise RuntimeError(f"the GraphiQL page changed: cannot find {before.strip().splitlines()[0]!r}")
        html = html.replace(before, after)
    assert "`" not in _EXAMPLE and "${" not in _EXAMPLE  # it goes into a JavaScript template literal
    start = html.index("const EXAMPLE_QUERY = `") + len("const EXAMPLE_QUERY = `")
    end = html.index("`;", start)
    return html[:start] + _EXAMPLE + html[end:]
