"""The console's pages: one HTML shell per page, its body and script chosen by name, served under `/console`.

The pages hold no data: each loads its ES module from `/static/console/js/`, which asks `/graphql` for what it
shows with the API key the user stored in the browser. The shell is the same for every page (navigation, the key
panel, the error banner), so it is composed here from `layout.html` and the page's body file rather than repeated
in each file. A Content-Security-Policy limits every page to the application's own origin: the console works
offline, and a script or style pulled from elsewhere would fail loudly in development instead of silently in use.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

__all__ = ["CONSOLE_PAGES", "ConsolePage", "console_routes", "render_page"]

_TEMPLATES = Path(__file__).resolve().parents[1] / "static" / "console" / "pages"
_MARKER = re.compile(r"\{\{\w+\}\}")
_CHART_SCRIPT = "/static/vendor/node_modules/chart.js/dist/chart.umd.min.js"
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # The pages are tiny shells; never serving a stale one matters more than caching it.
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class ConsolePage:
    """A page of the console: its body file and script module share `name`; `nav` is the menu entry it lights."""

    name: str
    title: str
    nav: str
    charts: bool = True


CONSOLE_PAGES: dict[str, ConsolePage] = {
    page.name: page
    for page in (
        ConsolePage("projects", "Projects", nav="projects", charts=False),
        ConsolePage("dashboard", "Project dashboard", nav="projects"),
        ConsolePage("labeler", "Labeler", nav="projects"),
        ConsolePage("guidelines", "Guidelines", nav="projects", charts=False),
        ConsolePage("vendors", "Vendors", nav="vendors"),
        ConsolePage("planner", "What-if planner", nav="planner"),
    )
}
_NAVIGATION: tuple[tuple[str, str, str], ...] = (
    ("projects", "/console", "Projects"),
    ("vendors", "/console/vendors", "Vendors"),
    ("planner", "/console/planner", "Planner"),
)


@cache
def _template(name: str) -> str:
    return (_TEMPLATES / f"{name}.html").read_text(encoding="utf-8")


def render_page(page: ConsolePage, data: dict[str, str] | None = None) -> str:
    """The page's full HTML: the shared layout around its body; `data` becomes `data-*` attributes of `<body>`."""
    current = ' aria-current="page"'
    links = "\n".join(
        f'<li><a href="{href}"{current if key == page.nav else ""}>{label}</a></li>' for key, href, label in _NAVIGATION
    )
    attributes = "".join(f' data-{key}="{html.escape(value, quote=True)}"' for key, value in (data or {}).items())
    chart_script = f'<script src="{_CHART_SCRIPT}"></script>' if page.charts else ""
    replacements = {
        "{{title}}": html.escape(page.title),
        "{{page}}": page.name,
        "{{navigation}}": links,
        "{{body_attributes}}": attributes,
        "{{chart_script}}": chart_script,
        "{{body}}": _template(page.name),
    }
    # One pass: a value holding a marker (an id in the path such as `{{body}}`) stays text, never a template.
    return _MARKER.sub(lambda match: replacements.get(match[0], match[0]), _template("layout"))


def _respond(page: ConsolePage, data: dict[str, str] | None = None) -> Response:
    return HTMLResponse(render_page(page, data), headers=_SECURITY_HEADERS)


async def _projects(request: Request) -> Response:
    return _respond(CONSOLE_PAGES["projects"])


async def _dashboard(request: Request) -> Response:
    return _respond(CONSOLE_PAGES["dashboard"], {"project-id": str(request.path_params["project_id"])})


async def _labeler(request: Request) -> Response:
    return _respond(CONSOLE_PAGES["labeler"], {"labeler-id": str(request.path_params["labeler_id"])})


async def _guidelines(request: Request) -> Response:
    return _respond(CONSOLE_PAGES["guidelines"], {"project-id": str(request.path_params["project_id"])})


async def _vendors(request: Request) -> Response:
    return _respond(CONSOLE_PAGES["vendors"])


async def _planner(request: Request) -> Response:
    return _respond(CONSOLE_PAGES["planner"])


async def _home(request: Request) -> Response:
    # People type the bare address; the console is where they mean to go.
    return RedirectResponse("/console", status_code=307)


def console_routes() -> list[BaseRoute]:
    """The console's routes, to add to the application's own (paths start with `/console`, and `/` leads there)."""
    return [
        Route("/", _home, methods=["GET", "HEAD"]),
        Route("/console", _projects, methods=["GET"]),
        Route("/console/projects/{project_id}", _dashboard, methods=["GET"]),
        Route("/console/projects/{project_id}/guidelines", _guidelines, methods=["GET"]),
        Route("/console/labelers/{labeler_id}", _labeler, methods=["GET"]),
        Route("/console/vendors", _vendors, methods=["GET"]),
        Route("/console/planner", _planner, methods=["GET"]),
    ]
