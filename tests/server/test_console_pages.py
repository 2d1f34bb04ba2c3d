"""Console pages over HTTP (no browser): every page is served with its shell, scripts and a same-origin policy."""

from __future__ import annotations

import re

import pytest

from server.console import CONSOLE_PAGES, render_page
from server.db import Database
from server.settings import Settings
from tests.server.conftest import http_client

PAGES = {
    "/console": "projects",
    "/console/projects/UHJvamVjdDox": "dashboard",
    "/console/labelers/TGFiZWxlcjox": "labeler",
    "/console/projects/UHJvamVjdDox/guidelines": "guidelines",
    "/console/vendors": "vendors",
    "/console/planner": "planner",
}
_LOCAL_REFERENCE = re.compile(r'(?:src|href)="(?P<url>/static/[^"]+)"')


@pytest.mark.parametrize(("path", "page"), PAGES.items())
async def test_each_page_is_served_with_its_module_and_no_key_needed(database: Database, path: str, page: str) -> None:
    # Given the application with access control on
    async with http_client(database) as client:
        # When a browser asks for the page without any key
        response = await client.get(path)
    # Then the shell comes back, naming its module, with a policy that keeps every resource on this origin
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'src="/static/console/js/{page}.js"' in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert 'id="api-key"' in response.text and 'id="errors"' in response.text
    assert "{{" not in response.text


async def test_every_local_script_and_style_of_every_page_is_served(database: Database) -> None:
    async with http_client(database) as client:
        for path in PAGES:
            page = (await client.get(path)).text
            references = [match["url"] for match in _LOCAL_REFERENCE.finditer(page)]
            assert references, path
            for url in references:
                response = await client.get(url)
                assert response.status_code == 200, f"{url} missing: run `labelops assets install`"


async def test_every_module_import_resolves(database: Database) -> None:
    # The modules import each other by relative path; a typo would only show in a browser otherwise.
    async with http_client(database) as client:
        for page in CONSOLE_PAGES:
            pending, seen = [f"/static/console/js/{page}.js"], set()
            while pending:
                url = pending.pop()
                if url in seen:
                    continue
                seen.add(url)
                response = await client.get(url)
                assert response.status_code == 200, url
                base = url.rsplit("/", 1)[0]
                pending += [f"{base}/{name}" for name in re.findall(r'from "\./([\w-]+\.js)"', response.text)]


async def test_the_project_id_in_the_path_is_escaped_into_the_page(database: Database) -> None:
    async with http_client(database) as client:
        response = await client.get("/console/projects/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert response.status_code == 200
    assert "<img src=x" not in response.text
    assert 'data-project-id="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in response.text


@pytest.mark.parametrize("marker", ["{{body}}", "{{chart_script}}"])
async def test_a_template_marker_in_the_path_stays_text_in_the_page(database: Database, marker: str) -> None:
    # Given a link whose project id spells one of the layout's own markers, then attributes to slip in
    async with http_client(database) as client:
        # When a browser follows it
        response = await client.get(f"/console/projects/{marker} autofocus onfocus=alert(1)")
    # Then the id is the attribute's text, and the page is the layout once, not the layout inside the attribute
    assert response.status_code == 200
    assert f'data-project-id="{marker} autofocus onfocus=alert(1)"' in response.text
    assert response.text.count('<main id="main"') == 1 and response.text.count("<nav ") == 1
    assert response.text.count('id="project-name"') == 1


def test_the_current_page_is_marked_in_the_navigation() -> None:
    page = render_page(CONSOLE_PAGES["vendors"])
    assert '<a href="/console/vendors" aria-current="page">Vendors</a>' in page
    assert page.count('aria-current="page"') == 1


def test_pages_without_charts_do_not_load_the_chart_library() -> None:
    assert "chart.umd" not in render_page(CONSOLE_PAGES["projects"])
    assert "chart.umd.min.js" in render_page(CONSOLE_PAGES["planner"])


async def test_pages_are_served_when_auth_is_off_too(database: Database) -> None:
    async with http_client(database, auth=False) as client:
        assert (await client.get("/console/planner")).status_code == 200
    assert Settings().auth  # the default stays on
